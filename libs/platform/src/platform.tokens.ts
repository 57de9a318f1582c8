/** Injection token of the service's loaded configuration (also injectable by its own class). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
/** Injection token of the PlatformModule.forService options. */
export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');
