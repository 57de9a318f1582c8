import { plainToInstance } from 'class-transformer';
import { generateIns, isMinorOn, seededRandom, toIsoDate } from '@dmp/domain';
import { OpenRecordDto } from './dto/open-record.dto';
import { checkOpening, dayOf, isMinorOnDay } from './opening-rules';

const random = seededRandom(7);
const now = new Date('2026-11-23T12:00:00Z');
const adult = generateIns(random);
const child = generateIns(random);
const parent = generateIns(random);

const body = (overrides: Record<string, unknown> = {}): OpenRecordDto =>
  plainToInstance(OpenRecordDto, {
    ins: adult,
    familyName: ' MARTIN ',
    givenNames: 'Jeanne',
    birthDate: '1984-12-03',
    cpamCode: '751',
    email: 'jeanne@example.fr',
    consent: { at: '2026-11-23T11:00:00Z' },
    ...overrides,
  });

describe(checkOpening.name, () => {
  it('applies the defaults: both emergency accesses on, consent given by the adult patient', () => {
    const result = checkOpening(body(), now);
    expect(result).toMatchObject({
      ok: true,
      value: { ins: adult, familyName: 'MARTIN', emergencyAccess: true, samuAccess: true, legalRepresentatives: [], consent: { givenBy: adult, place: null } },
    });
  });

  it('keeps a refusal of emergency or SAMU access', () => {
    const result = checkOpening(body({ emergencyAccess: false, samuAccess: false }), now);
    expect(result).toMatchObject({ ok: true, value: { emergencyAccess: false, samuAccess: false } });
  });

  it('normalises a French mobile to E.164 and accepts it as the only contact', () => {
    const result = checkOpening(body({ email: undefined, mobile: '06 12 34 56 78' }), now);
    expect(result).toMatchObject({ ok: true, value: { email: null, mobile: '+33612345678' } });
  });

  it('refuses an opening without any contact', () => {
    expect(checkOpening(body({ email: undefined }), now)).toEqual({
      ok: false,
      errors: [{ field: 'email', reason: 'at least one contact (email or mobile) is required for notifications' }],
    });
  });

  it("refuses a minor's opening without a legal representative", () => {
    const result = checkOpening(body({ ins: child, birthDate: '2015-05-01' }), now);
    expect(result).toEqual({ ok: false, errors: [{ field: 'legalRepresentatives', reason: 'a minor needs at least one legal representative' }] });
  });

  it("takes a minor's consent from the first representative by default", () => {
    const result = checkOpening(body({ ins: child, birthDate: '2015-05-01', legalRepresentatives: [{ ins: parent }] }), now);
    expect(result).toMatchObject({ ok: true, value: { consent: { givenBy: parent }, legalRepresentatives: [{ ins: parent, relationship: 'parent' }] } });
  });

  it("refuses a minor's consent given by the minor", () => {
    const result = checkOpening(body({ ins: child, birthDate: '2015-05-01', legalRepresentatives: [{ ins: parent }], consent: { at: '2026-11-23T11:00:00Z', givenBy: child } }), now);
    expect(result).toEqual({ ok: false, errors: [{ field: 'consent.givenBy', reason: "a minor's consent must be given by a legal representative" }] });
  });

  it('refuses a consent given by someone who is neither the patient nor a representative', () => {
    const result = checkOpening(body({ consent: { at: '2026-11-23T11:00:00Z', givenBy: parent } }), now);
    expect(result).toEqual({ ok: false, errors: [{ field: 'consent.givenBy', reason: 'consent must be given by the patient or one of their legal representatives' }] });
  });

  it('refuses a consent dated in the future and a birth date in the future', () => {
    const result = checkOpening(body({ birthDate: '2027-01-01', consent: { at: '2026-11-24T00:00:00Z' } }), now);
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: 'birthDate', reason: 'birth date 2027-01-01 is in the future' },
        { field: 'consent.at', reason: 'consent time 2026-11-24T00:00:00Z is in the future' },
      ],
    });
  });

  it('refuses a patient named as their own representative', () => {
    const result = checkOpening(body({ legalRepresentatives: [{ ins: adult }] }), now);
    expect(result).toEqual({ ok: false, errors: [{ field: 'legalRepresentatives', reason: 'the patient cannot be their own legal representative' }] });
  });
});

describe(isMinorOnDay.name, () => {
  it.each([
    ['2008-02-29', '2026-02-28'],
    ['2008-02-29', '2026-03-01'],
    ['2008-02-29', '2028-02-29'],
    ['2008-11-23', '2026-11-22'],
    ['2008-11-23', '2026-11-23'],
    ['2008-11-24', '2026-11-23'],
    ['2008-12-31', '2026-01-01'],
    ['2009-01-01', '2026-12-31'],
    ['1984-12-03', '2026-11-23'],
    ['2026-11-23', '2026-11-23'],
  ])('answers as isMinorOn for someone born %s on %s', (birthDate, today) => {
    expect(isMinorOnDay(birthDate, today)).toBe(isMinorOn(birthDate, today));
  });

  it('answers as isMinorOn on every day of a leap-year span', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const birth = toIsoDate(new Date(Date.UTC(1990 + Math.floor(random() * 30), 0, 1 + Math.floor(random() * 366))));
      const today = toIsoDate(new Date(Date.UTC(2020 + Math.floor(random() * 8), 0, 1 + Math.floor(random() * 366))));
      expect({ birth, today, minor: isMinorOnDay(birth, today) }).toEqual({ birth, today, minor: isMinorOn(birth, today) });
    }
  });
});

describe(dayOf.name, () => {
  it('gives the UTC calendar day of an instant, also when asked again for another one', () => {
    expect(dayOf(new Date('2026-11-23T23:59:59.999Z'))).toBe('2026-11-23');
    expect(dayOf(new Date('2026-11-24T00:00:00.000Z'))).toBe('2026-11-24');
  });

  it('answers from the remembered day only for instants inside it, before and after included', () => {
    const instants = ['2026-11-24T12:00:00Z', '2026-11-24T00:00:00.000Z', '2026-11-23T23:59:59.999Z', '2026-11-24T23:59:59.999Z', '2026-11-25T00:00:00Z', '1969-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2026-11-24T06:00:00Z'];
    for (const instant of instants) expect(dayOf(new Date(instant))).toBe(instant.slice(0, 10));
  });
});
