import { AGE_OF_MAJORITY, Ins, IsoDate, LegalRepresentativeRelationship, toIsoDate } from '@dmp/domain';
import { normaliseMobile } from './dto/domain-validators';
import { OpenRecordDto } from './dto/open-record.dto';
import { StoredRepresentative } from './record.entity';
import { FieldError } from './record.exception';

/** An opening request after validation: canonical identifiers, defaults applied. */
export interface OpeningData {
  ins: Ins;
  familyName: string;
  givenNames: string;
  birthDate: IsoDate;
  cpamCode: string;
  email: string | null;
  mobile: string | null;
  emergencyAccess: boolean;
  samuAccess: boolean;
  legalRepresentatives: StoredRepresentative[];
  consent: { givenBy: Ins; at: Date; place: string | null };
}

// Clocks of counters and pharmacies drift; a consent a few minutes "in the future" is not a lie.
const CLOCK_SKEW_MS = 5 * 60_000;

const canonicalIns = (raw: string): Ins => raw.replace(/\s+/g, '').toUpperCase() as Ins;

const DAY_MS = 86_400_000;
let lastDay: { start: number; iso: IsoDate } | null = null;
/**
 * toIsoDate (the UTC day), remembered for the current day: every opening asks it (the rules and
 * the event), each with its own `now`, and they nearly all fall on the same day.
 */
export function dayOf(at: Date): IsoDate {
  const ms = at.getTime();
  if (lastDay === null || ms < lastDay.start || ms >= lastDay.start + DAY_MS) {
    lastDay = { start: ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS), iso: toIsoDate(at) };
  }
  return lastDay.iso;
}

/**
 * isMinorOn of @dmp/domain (same answer, 29 February included: the spec compares them) as one
 * string comparison: under 18 on `today` means born after the same month and day 18 years
 * earlier. It runs twice per opening (the rules, the event), on every row of a campaign.
 */
export function isMinorOnDay(birthDate: string, today: string): boolean {
  return birthDate > `${Number(today.slice(0, 4)) - AGE_OF_MAJORITY}${today.slice(4)}`;
}

/**
 * The rules an opening must satisfy beyond the shape of each field (class-validator checks
 * those): at least one contact, a minor has a legal representative, consent is given by the
 * patient or a representative, no date in the future. HTTP and bulk openings both go through
 * this function, so a campaign file is held to exactly the same rules as a counter.
 */
export function checkOpening(dto: OpenRecordDto, now: Date): { ok: true; value: OpeningData } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const today = dayOf(now);
  const ins = canonicalIns(dto.ins);
  const representativeList: StoredRepresentative[] = [];
  for (const r of dto.legalRepresentatives ?? []) {
    const repIns = canonicalIns(r.ins);
    if (representativeList.some((x) => x.ins === repIns)) continue;
    representativeList.push({ ins: repIns, relationship: r.relationship ?? LegalRepresentativeRelationship.PARENT });
  }
  const representatives = representativeList.map((r) => r.ins);
  const email = dto.email?.trim() || null;
  const mobile = dto.mobile ? normaliseMobile(dto.mobile) : null;

  if (!email && !mobile) {
    errors.push({ field: 'email', reason: 'at least one contact (email or mobile) is required for notifications' });
  }
  const future = dto.birthDate > today;
  if (future) errors.push({ field: 'birthDate', reason: `birth date ${dto.birthDate} is in the future` });
  else if (dto.birthDate < '1900-01-01') errors.push({ field: 'birthDate', reason: `birth date ${dto.birthDate} is before 1900` });

  // An impossible birth date is reported once, not again as "a minor without representative".
  const minor = !future && isMinorOnDay(dto.birthDate, today);
  if (minor && representatives.length === 0) {
    errors.push({ field: 'legalRepresentatives', reason: 'a minor needs at least one legal representative' });
  }
  if (representatives.includes(ins)) {
    errors.push({ field: 'legalRepresentatives', reason: 'the patient cannot be their own legal representative' });
  }

  const consentAt = new Date(dto.consent.at);
  if (consentAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    errors.push({ field: 'consent.at', reason: `consent time ${dto.consent.at} is in the future` });
  }
  const givenBy = dto.consent.givenBy ? canonicalIns(dto.consent.givenBy) : minor ? representatives[0] : ins;
  if (givenBy !== undefined && givenBy !== ins && !representatives.includes(givenBy)) {
    errors.push({ field: 'consent.givenBy', reason: 'consent must be given by the patient or one of their legal representatives' });
  } else if (minor && givenBy === ins) {
    errors.push({ field: 'consent.givenBy', reason: "a minor's consent must be given by a legal representative" });
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      ins,
      familyName: dto.familyName.trim(),
      givenNames: dto.givenNames.trim(),
      birthDate: dto.birthDate as IsoDate,
      cpamCode: dto.cpamCode.trim(),
      email,
      mobile,
      emergencyAccess: dto.emergencyAccess ?? true,
      samuAccess: dto.samuAccess ?? true,
      legalRepresentatives: representativeList,
      consent: { givenBy: givenBy as Ins, at: consentAt, place: dto.consent.place?.trim() || null },
    },
  };
}
