import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { Actor, actorId, validateActor } from './actor';

export const DEFAULT_ISSUER = 'dmp';
export const DEFAULT_AUDIENCE = 'dmp-services';
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
/** HMAC keys shorter than this are refused: they can be brute-forced offline from one token. */
export const MIN_SECRET_LENGTH = 16;

export enum TokenErrorCode {
  MALFORMED = 'TOKEN_MALFORMED',
  UNSUPPORTED_ALGORITHM = 'TOKEN_UNSUPPORTED_ALGORITHM',
  BAD_SIGNATURE = 'TOKEN_BAD_SIGNATURE',
  EXPIRED = 'TOKEN_EXPIRED',
  NOT_YET_VALID = 'TOKEN_NOT_YET_VALID',
  WRONG_ISSUER = 'TOKEN_WRONG_ISSUER',
  WRONG_AUDIENCE = 'TOKEN_WRONG_AUDIENCE',
  INVALID_CLAIMS = 'TOKEN_INVALID_CLAIMS',
}

export class TokenError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = TokenError.name;
  }
}

/**
 * A signature scheme. Only HS256 is implemented; an asymmetric scheme (RS256/ES256 with a
 * public key on the verifying side) plugs in here without touching the verifier's checks.
 */
export interface SignatureAlgorithm {
  readonly name: string;
  sign(signingInput: string): Buffer;
  verify(signingInput: string, signature: Buffer): boolean;
}

export class Hs256Algorithm implements SignatureAlgorithm {
  readonly name = 'HS256';
  private readonly key: Buffer;

  constructor(secret: string | Buffer) {
    this.key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (this.key.length < MIN_SECRET_LENGTH) throw new RangeError(`the token secret must have at least ${MIN_SECRET_LENGTH} bytes`);
  }

  sign(signingInput: string): Buffer {
    return createHmac('sha256', this.key).update(signingInput).digest();
  }

  verify(signingInput: string, signature: Buffer): boolean {
    const expected = this.sign(signingInput);
    // timingSafeEqual needs equal lengths; the length of a HMAC-SHA256 is public anyway.
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}

export interface TokenClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  iat: number;
  nbf?: number;
  exp: number;
  jti: string;
  actor: Actor;
}

export interface VerifiedToken {
  actor: Actor;
  claims: TokenClaims;
}

export interface TokenSignerOptions {
  issuer?: string;
  audience?: string;
  /** Lifetime of tokens signed without an explicit ttl. */
  defaultTtlSeconds?: number;
}

function base64url(input: Buffer | string): string {
  return (typeof input === 'string' ? Buffer.from(input, 'utf8') : input).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export class TokenSigner {
  private readonly algorithm: SignatureAlgorithm;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly defaultTtlSeconds: number;

  constructor(secretOrAlgorithm: string | Buffer | SignatureAlgorithm, options: TokenSignerOptions = {}) {
    this.algorithm = typeof secretOrAlgorithm === 'string' || Buffer.isBuffer(secretOrAlgorithm) ? new Hs256Algorithm(secretOrAlgorithm) : secretOrAlgorithm;
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    this.audience = options.audience ?? DEFAULT_AUDIENCE;
    this.defaultTtlSeconds = options.defaultTtlSeconds ?? 3600;
  }

  /** Signs a token for a valid actor (refuses an invalid one rather than minting it). */
  sign(actor: Actor, options: { ttlSeconds?: number; now?: Date; notBefore?: Date } = {}): { token: string; expiresAt: string; claims: TokenClaims } {
    const checked = validateActor(actor);
    if (!checked.ok) throw new TokenError(TokenErrorCode.INVALID_CLAIMS, `cannot sign a token for an invalid actor: ${checked.reason}`);
    const ttl = options.ttlSeconds ?? this.defaultTtlSeconds;
    if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttl}`);
    const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
    const claims: TokenClaims = { iss: this.issuer, aud: this.audience, sub: actorId(checked.value), iat, exp: iat + ttl, jti: randomUUID(), actor: checked.value };
    if (options.notBefore) claims.nbf = Math.floor(options.notBefore.getTime() / 1000);
    const signingInput = `${base64url(JSON.stringify({ alg: this.algorithm.name, typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
    const token = `${signingInput}.${base64url(this.algorithm.sign(signingInput))}`;
    return { token, expiresAt: new Date(claims.exp * 1000).toISOString(), claims };
  }
}

export interface TokenVerifierOptions {
  issuer?: string;
  audience?: string;
  clockSkewSeconds?: number;
  /** Tokens longer than this are refused before any parsing. */
  maxTokenLength?: number;
  /**
   * Verified tokens remembered (default 10,000; 0 disables). A client sends the same token with
   * every request until it expires: the HMAC, two base64url/JSON decodes and the actor
   * validation then run once per token instead of once per request.
   */
  cacheSize?: number;
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError(TokenErrorCode.MALFORMED, `token ${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TokenError(TokenErrorCode.MALFORMED, `token ${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export class TokenVerifier {
  private readonly algorithms: Map<string, SignatureAlgorithm>;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly skew: number;
  private readonly maxTokenLength: number;
  private readonly cacheSize: number;
  // Keyed by the whole token string (signature included): only a token that passed every check
  // is stored, so a forged or altered token never matches an entry. Insertion order = age.
  private readonly cache = new Map<string, VerifiedToken>();

  constructor(secretOrAlgorithms: string | Buffer | SignatureAlgorithm[], options: TokenVerifierOptions = {}) {
    const algorithms = typeof secretOrAlgorithms === 'string' || Buffer.isBuffer(secretOrAlgorithms) ? [new Hs256Algorithm(secretOrAlgorithms)] : secretOrAlgorithms;
    this.algorithms = new Map(algorithms.map((a) => [a.name, a]));
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    this.audience = options.audience ?? DEFAULT_AUDIENCE;
    this.skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    this.maxTokenLength = options.maxTokenLength ?? 8192;
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /** Verifies signature, algorithm, times, issuer, audience and the actor claim; throws TokenError. */
  verify(token: string, now: Date = new Date()): VerifiedToken {
    return this.cachedAt(token, now.getTime()) ?? this.verifyAndRemember(token, now);
  }

  /**
   * The verified token for `token` when this verifier has verified exactly this string before
   * and the clock still accepts it at `nowMs`; undefined otherwise (then call verify(), which
   * gives the verdict and the precise error). The guard's per-request shortcut: no parsing, no
   * HMAC, no Date object.
   */
  cachedAt(token: string, nowMs: number): VerifiedToken | undefined {
    const cached = this.cache.get(token);
    if (!cached) return undefined;
    // Only the clock can change the verdict on a token already verified: within its validity
    // window it is the same answer; outside it, the full check gives the precise error.
    const nowSeconds = nowMs / 1000;
    const { exp, iat, nbf } = cached.claims;
    if (nowSeconds <= exp + this.skew && nowSeconds + this.skew >= Math.max(iat, nbf ?? iat)) return cached;
    if (nowSeconds > exp + this.skew) this.cache.delete(token);
    return undefined;
  }

  private verifyAndRemember(token: string, now: Date): VerifiedToken {
    const verified = this.verifyUncached(token, now);
    if (this.cacheSize > 0) {
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(token, verified);
    }
    return verified;
  }

  private verifyUncached(token: string, now: Date): VerifiedToken {
    if (typeof token !== 'string' || token.length === 0) throw new TokenError(TokenErrorCode.MALFORMED, 'token is empty');
    if (token.length > this.maxTokenLength) throw new TokenError(TokenErrorCode.MALFORMED, `token is longer than ${this.maxTokenLength} characters`);
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !BASE64URL.test(p)) || !parts[0] || !parts[1]) {
      throw new TokenError(TokenErrorCode.MALFORMED, 'token must be three base64url parts separated by dots');
    }
    const [headerPart, payloadPart, signaturePart] = parts;
    const header = decodeJson(headerPart, 'header');
    // The algorithm is decided by our configuration, never by the token: "none", HS384 or an
    // RS256 header trying to reuse a public key as an HMAC secret are all refused here.
    const algorithm = typeof header.alg === 'string' ? this.algorithms.get(header.alg) : undefined;
    if (!algorithm) throw new TokenError(TokenErrorCode.UNSUPPORTED_ALGORITHM, `token algorithm ${JSON.stringify(header.alg)} is not accepted (expected ${[...this.algorithms.keys()].join(', ')})`);
    if (header.typ !== undefined && header.typ !== 'JWT') throw new TokenError(TokenErrorCode.MALFORMED, 'token type must be JWT');
    if (header.crit !== undefined) throw new TokenError(TokenErrorCode.MALFORMED, 'token has critical header parameters we do not understand');
    if (!algorithm.verify(`${headerPart}.${payloadPart}`, Buffer.from(signaturePart, 'base64url'))) {
      throw new TokenError(TokenErrorCode.BAD_SIGNATURE, 'token signature does not match');
    }
    const claims = decodeJson(payloadPart, 'payload');
    const nowSeconds = now.getTime() / 1000;
    if (!isNumericDate(claims.exp)) throw new TokenError(TokenErrorCode.INVALID_CLAIMS, 'token has no expiry (exp)');
    if (!isNumericDate(claims.iat)) throw new TokenError(TokenErrorCode.INVALID_CLAIMS, 'token has no issue time (iat)');
    if (nowSeconds > claims.exp + this.skew) throw new TokenError(TokenErrorCode.EXPIRED, `token expired at ${new Date(claims.exp * 1000).toISOString()}`);
    if (claims.nbf !== undefined) {
      if (!isNumericDate(claims.nbf)) throw new TokenError(TokenErrorCode.INVALID_CLAIMS, 'token nbf must be a number of seconds');
      if (nowSeconds + this.skew < claims.nbf) throw new TokenError(TokenErrorCode.NOT_YET_VALID, `token is not valid before ${new Date(claims.nbf * 1000).toISOString()}`);
    }
    if (nowSeconds + this.skew < claims.iat) throw new TokenError(TokenErrorCode.NOT_YET_VALID, 'token was issued in the future');
    if (claims.iss !== this.issuer) throw new TokenError(TokenErrorCode.WRONG_ISSUER, `token issuer ${JSON.stringify(claims.iss)} is not ${this.issuer}`);
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(this.audience)) throw new TokenError(TokenErrorCode.WRONG_AUDIENCE, `token is not meant for audience ${this.audience}`);
    const actor = validateActor(claims.actor);
    if (!actor.ok) throw new TokenError(TokenErrorCode.INVALID_CLAIMS, `token actor is invalid: ${actor.reason}`);
    if (claims.sub !== actorId(actor.value)) throw new TokenError(TokenErrorCode.INVALID_CLAIMS, 'token subject does not match its actor');
    return { actor: actor.value, claims: { ...(claims as unknown as TokenClaims), actor: actor.value } };
  }
}

/**
 * Signs a development token (tests, tools, the simulator): the same format and default
 * issuer and audience as the services verify with.
 */
export function issueDevToken(actor: Actor, secret: string, ttlSeconds = 3600, options: { issuer?: string; audience?: string } = {}): string {
  return new TokenSigner(secret, options).sign(actor, { ttlSeconds }).token;
}
