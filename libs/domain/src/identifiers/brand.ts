/**
 * A string that has passed validation. The brand exists only for the compiler: at run time it is
 * a plain string, so it serialises to JSON and stores in a varchar column as is.
 */
export type Brand<T, B extends string> = T & { readonly __brand: B };
