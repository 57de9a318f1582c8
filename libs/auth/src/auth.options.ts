export interface AuthModuleOptions {
  /** HMAC key verifying (and, for the dev issuer, signing) tokens; at least 16 bytes. */
  secret: string;
  /** Registers POST /dev/tokens. Never in production. */
  devIssuer: boolean;
  issuer?: string;
  audience?: string;
  clockSkewSeconds?: number;
  /** Lifetime of tokens from POST /dev/tokens when the body does not say (default 3600). */
  devTokenTtlSeconds?: number;
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
