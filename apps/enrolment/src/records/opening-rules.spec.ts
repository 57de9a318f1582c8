import { plainToInstance } from 'class-transformer';
import { generateIns, seededRandom } from '@dmp/domain';
import { OpenRecordDto } from './dto/open-record.dto';
import { checkOpening } from './opening-rules';

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
