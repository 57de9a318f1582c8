// @dmp/auth: actors and roles, signed tokens (HS256), the global Nest guard and the development
// token issuer.
export * from './actor';
export * from './token';
export * from './auth.options';
export * from './auth.errors';
export * from './auth.decorators';
export * from './auth.guard';
export * from './auth.module';
export * from './dev-tokens.controller';
