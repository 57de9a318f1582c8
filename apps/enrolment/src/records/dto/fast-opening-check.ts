import { isEnum } from 'class-validator';
import { LegalRepresentativeRelationship, validateCpamCode, validateIns, validateIsoDate } from '@dmp/domain';
import { validateMobile } from './domain-validators';
import { isEmailUpTo, isStrictIsoInstant, isTextUpTo } from './fast-predicates';
import type { OpenRecordDto } from './open-record.dto';

const OPENING_KEYS = new Set(['ins', 'familyName', 'givenNames', 'birthDate', 'cpamCode', 'email', 'mobile', 'emergencyAccess', 'samuAccess', 'legalRepresentatives', 'consent']);
const CONSENT_KEYS = new Set(['at', 'givenBy', 'place']);
const REPRESENTATIVE_KEYS = new Set(['ins', 'relationship']);

const onlyKeys = (o: Record<string, unknown>, allowed: Set<string>): boolean => Object.keys(o).every((k) => allowed.has(k));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = isTextUpTo;
const isBoolean = (v: unknown): boolean => typeof v === 'boolean';

/**
 * The bulk path's shortcut for the common case, a well-formed row: the same predicates the
 * decorators of OpenRecordDto apply (class-validator's own isEmail, isISO8601... and the domain
 * validators), without class-transformer and the metadata walk, which cost several times more
 * than the checks themselves. It only ever says "certainly valid" (the plain object, shaped like
 * the DTO) or "not sure" (null): a row it does not accept goes through the full class-validator
 * pass, which produces the error messages. The spec checks it never accepts what the DTO refuses.
 */
export function fastOpeningCheck(raw: Record<string, unknown>): OpenRecordDto | null {
  if (!onlyKeys(raw, OPENING_KEYS)) return null;
  if (!validateIns(raw.ins).ok || !text(raw.familyName, 100) || !text(raw.givenNames, 200)) return null;
  if (!validateIsoDate(raw.birthDate).ok || !validateCpamCode(raw.cpamCode).ok) return null;
  if (raw.email !== undefined && raw.email !== null && !isEmailUpTo(raw.email, 254)) return null;
  if (raw.mobile !== undefined && raw.mobile !== null && !validateMobile(raw.mobile).ok) return null;
  if (raw.emergencyAccess !== undefined && raw.emergencyAccess !== null && !isBoolean(raw.emergencyAccess)) return null;
  if (raw.samuAccess !== undefined && raw.samuAccess !== null && !isBoolean(raw.samuAccess)) return null;
  const consent = raw.consent;
  if (!isObject(consent) || !onlyKeys(consent, CONSENT_KEYS)) return null;
  if (!isStrictIsoInstant(consent.at)) return null;
  if (consent.givenBy !== undefined && consent.givenBy !== null && !validateIns(consent.givenBy).ok) return null;
  if (consent.place !== undefined && consent.place !== null && !text(consent.place, 200)) return null;
  const reps = raw.legalRepresentatives;
  if (reps !== undefined && reps !== null) {
    if (!Array.isArray(reps) || reps.length > 4) return null;
    for (const rep of reps) {
      if (!isObject(rep) || !onlyKeys(rep, REPRESENTATIVE_KEYS) || !validateIns(rep.ins).ok) return null;
      if (rep.relationship !== undefined && rep.relationship !== null && !isEnum(rep.relationship, LegalRepresentativeRelationship)) return null;
    }
  }
  return raw as unknown as OpenRecordDto;
}
