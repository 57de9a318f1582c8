import { createHmac } from 'node:crypto';
import { ActorRole, EstablishmentCategory, EstablishmentKind, Profession } from '@dmp/domain';
import { Actor } from './actor';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, TokenErrorCode, TokenSigner, TokenVerifier, issueDevToken } from './token';

const SECRET = 'a-test-secret-of-enough-length';
const NOW = new Date('2019-12-12T09:30:00.000Z');
const NOW_S = NOW.getTime() / 1000;
const patient: Actor = { role: ActorRole.PATIENT, ins: '100017510100151' } as Actor;

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Builds a token by hand, to say things our signer never would. */
function craft(header: Record<string, unknown>, claims: Record<string, unknown>, secret = SECRET): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: DEFAULT_ISSUER, aud: DEFAULT_AUDIENCE, sub: '100017510100151', iat: NOW_S, exp: NOW_S + 600, jti: 'j', actor: patient, ...overrides };
}

function errorCodeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe(TokenVerifier.name, () => {
  const signer = new TokenSigner(SECRET);
  const sut = new TokenVerifier(SECRET);

  it.each<[string, Actor]>([
    ['a patient', patient],
    ['a legal representative', { role: ActorRole.LEGAL_REPRESENTATIVE, ins: '100017510100151', represents: ['185012A12345666'] } as Actor],
    ['a professional', { role: ActorRole.PROFESSIONAL, rpps: '10123456781', profession: Profession.NURSE, finess: '750712184' } as Actor],
    ['an establishment', { role: ActorRole.ESTABLISHMENT, finess: '750712184', kind: EstablishmentKind.HEALTH, category: EstablishmentCategory.CHU } as Actor],
    ['a pharmacy', { role: ActorRole.PHARMACY, finess: '130786049' } as Actor],
    ['a CPAM agent', { role: ActorRole.CPAM_AGENT, agentId: 'agent-42', cpamCode: '751' } as Actor],
    ['the insurer pipeline', { role: ActorRole.INSURER_PIPELINE, pipelineId: 'cnam-batch' }],
    ['an operator', { role: ActorRole.OPERATOR, operatorId: 'ops-1' }],
  ])('verifies a token it signed for %s and returns the actor', (_case, actor) => {
    const { token } = signer.sign(actor, { now: NOW });

    expect(sut.verify(token, NOW).actor).toEqual(actor);
  });

  it('states the expiry it signed', () => {
    const { expiresAt, claims } = signer.sign(patient, { now: NOW, ttlSeconds: 60 });

    expect(expiresAt).toBe('2019-12-12T09:31:00.000Z');
    expect(claims).toMatchObject({ iss: DEFAULT_ISSUER, aud: DEFAULT_AUDIENCE, sub: '100017510100151', iat: NOW_S, exp: NOW_S + 60 });
  });

  it('refuses a token whose payload was changed', () => {
    const [header, , signature] = signer.sign(patient, { now: NOW }).token.split('.');
    const forged = `${header}.${b64(validClaims({ actor: { role: ActorRole.OPERATOR, operatorId: 'me' }, sub: 'me' }))}.${signature}`;

    expect(errorCodeOf(() => sut.verify(forged, NOW))).toBe(TokenErrorCode.BAD_SIGNATURE);
  });

  it('refuses a token whose signature was changed', () => {
    const token = signer.sign(patient, { now: NOW }).token;
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, -2)}${last}${token.slice(-1)}`;

    expect(errorCodeOf(() => sut.verify(tampered, NOW))).toBe(TokenErrorCode.BAD_SIGNATURE);
  });

  it('refuses a token signed with another secret', () => {
    const token = new TokenSigner('another-secret-of-enough-length').sign(patient, { now: NOW }).token;

    expect(errorCodeOf(() => sut.verify(token, NOW))).toBe(TokenErrorCode.BAD_SIGNATURE);
  });

  it('refuses a truncated signature', () => {
    const token = signer.sign(patient, { now: NOW }).token;

    expect(errorCodeOf(() => sut.verify(token.slice(0, -10), NOW))).toBe(TokenErrorCode.BAD_SIGNATURE);
  });

  it.each<[string, Record<string, unknown>]>([
    ['"none" with an empty signature', { alg: 'none', typ: 'JWT' }],
    ['"NONE"', { alg: 'NONE' }],
    ['HS512', { alg: 'HS512', typ: 'JWT' }],
    ['RS256', { alg: 'RS256', typ: 'JWT' }],
    ['no algorithm', { typ: 'JWT' }],
  ])('refuses the algorithm %s', (_case, header) => {
    const token = header.alg === 'none' ? `${b64(header)}.${b64(validClaims())}.` : craft(header, validClaims());

    expect(errorCodeOf(() => sut.verify(token, NOW))).toBe(TokenErrorCode.UNSUPPORTED_ALGORITHM);
  });

  it('refuses an expired token and accepts one within the clock skew', () => {
    const { token } = signer.sign(patient, { now: NOW, ttlSeconds: 60 });

    expect(errorCodeOf(() => sut.verify(token, new Date(NOW.getTime() + 91_000)))).toBe(TokenErrorCode.EXPIRED);
    expect(sut.verify(token, new Date(NOW.getTime() + 89_000)).actor).toEqual(patient);
  });

  it('refuses a token before its nbf, beyond the clock skew', () => {
    const { token } = signer.sign(patient, { now: NOW, notBefore: new Date(NOW.getTime() + 120_000) });

    expect(errorCodeOf(() => sut.verify(token, NOW))).toBe(TokenErrorCode.NOT_YET_VALID);
    expect(sut.verify(token, new Date(NOW.getTime() + 100_000)).actor).toEqual(patient);
  });

  it('gives the remembered verdict for a token it verified, and still refuses it once expired or before its nbf', () => {
    const cachingSut = new TokenVerifier(SECRET);
    const { token } = signer.sign(patient, { now: NOW, ttlSeconds: 60, notBefore: new Date(NOW.getTime() + 10_000) });

    const first = cachingSut.verify(token, new Date(NOW.getTime() + 10_000));

    expect(cachingSut.verify(token, new Date(NOW.getTime() + 20_000))).toBe(first);
    expect(errorCodeOf(() => cachingSut.verify(token, new Date(NOW.getTime() - 60_000)))).toBe(TokenErrorCode.NOT_YET_VALID);
    expect(errorCodeOf(() => cachingSut.verify(token, new Date(NOW.getTime() + 91_000)))).toBe(TokenErrorCode.EXPIRED);
  });

  it('never lets a token altered after a verified one match the remembered verdict', () => {
    const cachingSut = new TokenVerifier(SECRET);
    const { token } = signer.sign(patient, { now: NOW });
    cachingSut.verify(token, NOW);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;

    expect(errorCodeOf(() => cachingSut.verify(forged, NOW))).toBe(TokenErrorCode.BAD_SIGNATURE);
  });

  it('answers from memory (cachedAt) only for the exact string it verified, while the clock accepts it', () => {
    const cachingSut = new TokenVerifier(SECRET);
    const { token } = signer.sign(patient, { now: NOW, ttlSeconds: 60 });

    expect(cachingSut.cachedAt(token, NOW.getTime())).toBeUndefined();
    const verified = cachingSut.verify(token, NOW);
    expect(cachingSut.cachedAt(token, NOW.getTime() + 30_000)).toBe(verified);
    expect(cachingSut.cachedAt(`${token} `, NOW.getTime())).toBeUndefined();
    expect(cachingSut.cachedAt(token.slice(0, -1), NOW.getTime())).toBeUndefined();
    // Past exp + skew: not from memory, and verify() then gives the precise error.
    expect(cachingSut.cachedAt(token, NOW.getTime() + 91_000)).toBeUndefined();
    expect(errorCodeOf(() => cachingSut.verify(token, new Date(NOW.getTime() + 91_000)))).toBe(TokenErrorCode.EXPIRED);
  });

  it('keeps at most cacheSize verified tokens and verifies evicted ones again', () => {
    const cachingSut = new TokenVerifier(SECRET, { cacheSize: 2 });
    const tokens = [1, 2, 3].map(() => signer.sign(patient, { now: NOW }).token);
    const verdicts = tokens.map((t) => cachingSut.verify(t, NOW));

    expect(cachingSut.verify(tokens[0], NOW)).not.toBe(verdicts[0]);
    expect(cachingSut.verify(tokens[2], NOW)).toBe(verdicts[2]);
  });

  it('refuses a token issued in the future', () => {
    expect(errorCodeOf(() => sut.verify(craft({ alg: 'HS256' }, validClaims({ iat: NOW_S + 3600, exp: NOW_S + 7200 })), NOW))).toBe(TokenErrorCode.NOT_YET_VALID);
  });

  it.each<[string, Record<string, unknown>, TokenErrorCode]>([
    ['no exp', { exp: undefined }, TokenErrorCode.INVALID_CLAIMS],
    ['an exp that is a string', { exp: '2030-01-01' }, TokenErrorCode.INVALID_CLAIMS],
    ['no iat', { iat: undefined }, TokenErrorCode.INVALID_CLAIMS],
    ['another issuer', { iss: 'someone-else' }, TokenErrorCode.WRONG_ISSUER],
    ['another audience', { aud: 'other-api' }, TokenErrorCode.WRONG_AUDIENCE],
    ['a patient with an invalid INS', { actor: { role: 'patient', ins: '100017510100152' }, sub: '100017510100152' }, TokenErrorCode.INVALID_CLAIMS],
    ['a professional with an invalid RPPS', { actor: { role: 'professional', rpps: '10123456782', profession: 'nurse' }, sub: '10123456782' }, TokenErrorCode.INVALID_CLAIMS],
    ['an unknown role', { actor: { role: 'superuser' } }, TokenErrorCode.INVALID_CLAIMS],
    ['a subject that is not its actor', { sub: '185012A12345666' }, TokenErrorCode.INVALID_CLAIMS],
  ])('refuses a token with %s', (_case, overrides, code) => {
    expect(errorCodeOf(() => sut.verify(craft({ alg: 'HS256', typ: 'JWT' }, validClaims(overrides)), NOW))).toBe(code);
  });

  it('accepts an audience list that contains ours', () => {
    expect(sut.verify(craft({ alg: 'HS256' }, validClaims({ aud: ['x', DEFAULT_AUDIENCE] })), NOW).actor).toEqual(patient);
  });

  it('names the invalid actor field in the message', () => {
    expect(() => sut.verify(craft({ alg: 'HS256' }, validClaims({ actor: { role: 'patient', ins: '100017510100152' }, sub: '100017510100152' })), NOW)).toThrow(
      'token actor is invalid: ins: INS key 52 does not match the NIR (expected 51)',
    );
  });

  it.each([
    ['an empty string', ''],
    ['two parts', 'abc.def'],
    ['four parts', 'a.b.c.d'],
    ['characters outside base64url', 'a+b.c/d.e=f'],
    ['a header that is not JSON', `${b64('not json')}.${b64(validClaims())}.sig`],
    ['a header that is a JSON array', `${b64([1])}.${b64(validClaims())}.sig`],
  ])('refuses a malformed token: %s', (_case, token) => {
    expect(errorCodeOf(() => sut.verify(token, NOW))).toBe(TokenErrorCode.MALFORMED);
  });

  it('refuses an oversized token before parsing it', () => {
    expect(errorCodeOf(() => sut.verify('a'.repeat(10_000), NOW))).toBe(TokenErrorCode.MALFORMED);
  });

  it('honours a configured issuer and audience', () => {
    const custom = { issuer: 'cnam', audience: 'dmp-documents' };
    const token = new TokenSigner(SECRET, custom).sign(patient, { now: NOW }).token;

    expect(new TokenVerifier(SECRET, custom).verify(token, NOW).actor).toEqual(patient);
    expect(errorCodeOf(() => sut.verify(token, NOW))).toBe(TokenErrorCode.WRONG_ISSUER);
  });
});

describe(TokenSigner.name, () => {
  it('refuses a secret shorter than 16 bytes', () => {
    expect(() => new TokenSigner('short')).toThrow(RangeError);
    expect(() => new TokenVerifier('short')).toThrow(RangeError);
  });

  it('refuses to sign for an invalid actor', () => {
    const sut = new TokenSigner(SECRET);

    expect(() => sut.sign({ role: ActorRole.PATIENT, ins: '123' } as Actor)).toThrow('cannot sign a token for an invalid actor: ins: INS must have 15 characters');
  });
});

describe(issueDevToken.name, () => {
  it('issues a token the default verifier accepts', () => {
    const token = issueDevToken(patient, SECRET, 60);

    expect(new TokenVerifier(SECRET).verify(token).actor).toEqual(patient);
  });
});
