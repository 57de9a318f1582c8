import { generateIns, seededRandom } from '@dmp/domain';
import { fastOpeningCheck } from './fast-opening-check';
import { OpenRecordDto } from './open-record.dto';
import { validateBody } from './validate-body';

const random = seededRandom(11);
const valid = (): Record<string, unknown> => ({
  ins: generateIns(random),
  familyName: 'MARTIN',
  givenNames: 'Jeanne',
  birthDate: '1984-12-03',
  cpamCode: '751',
  email: 'jeanne@example.fr',
  mobile: '+33612345678',
  emergencyAccess: true,
  samuAccess: false,
  legalRepresentatives: [{ ins: generateIns(random), relationship: 'guardian' }],
  consent: { at: '2026-11-23T10:00:00Z', givenBy: generateIns(random), place: 'counter' },
});

// Each mutation replaces one field (or nested field) with a doubtful value.
const doubtful: unknown[] = [undefined, null, '', ' ', 'x'.repeat(300), 0, 1, true, 'true', [], {}, '2026-02-30', '1984-12-03T00:00:00Z', '75', '7510', 'a@b', 'a@b.fr', '06 12 34 56 78', '0123456789', '184127510812345', '1 84 12 75 108 123 45', 'parent', 'uncle', [{ ins: 'x' }], [{ ins: generateIns(random), extra: 1 }]];
const paths = ['ins', 'familyName', 'givenNames', 'birthDate', 'cpamCode', 'email', 'mobile', 'emergencyAccess', 'samuAccess', 'legalRepresentatives', 'consent', 'consent.at', 'consent.givenBy', 'consent.place', 'legalRepresentatives.0.ins', 'legalRepresentatives.0.relationship', 'unknownField', 'consent.unknown'];

function mutate(row: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(row)) as Record<string, unknown>;
  const keys = path.split('.');
  let target: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

describe(fastOpeningCheck.name, () => {
  it('accepts a well-formed row, as class-validator does', () => {
    const row = valid();
    expect(fastOpeningCheck(row)).not.toBeNull();
    expect(validateBody(OpenRecordDto, row).ok).toBe(true);
  });

  it.each(paths)('never accepts a row the DTO refuses, whatever %s holds', (path) => {
    for (const value of doubtful) {
      const row = mutate(valid(), path, value);
      if (fastOpeningCheck(row) !== null) {
        expect({ path, value, dto: validateBody(OpenRecordDto, row) }).toMatchObject({ dto: { ok: true } });
      }
    }
  });
});
