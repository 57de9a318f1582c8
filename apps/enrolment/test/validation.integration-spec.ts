import { insKey } from '@dmp/domain';
import { actors, anOpening, newIns } from './support/builders';
import { EnrolmentTestApp, startEnrolmentApp } from './support/enrolment-test-app';

/** A Corsican NIR (2A) with the key computed by the Corsica rule, and the same NIR with the naive key. */
const corsicanNir = '184052A123456';
const corsicanIns = `${corsicanNir}${insKey(corsicanNir)}`;
const naiveKey = String(97 - (Number('1840520123456') % 97)).padStart(2, '0');

describe('Validation of openings and changes', () => {
  let sut: EnrolmentTestApp;
  let agentToken: string;

  beforeAll(async () => {
    sut = await startEnrolmentApp();
    agentToken = sut.tokenFor(actors.agent());
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const open = (body: Record<string, unknown>) => sut.http().post('/records').set('Authorization', `Bearer ${agentToken}`).send(body);

  const validIns = newIns();
  const wrongKey = `${validIns.slice(0, 13)}${String((Number(validIns.slice(13)) + 1) % 97).padStart(2, '0')}`;

  it.each<[string, Record<string, unknown>, string, string]>([
    ['an INS of the wrong length', { ins: '18412751081' }, 'ins', 'INS must have 15 characters (13 for the NIR and 2 for the key), got 11'],
    ['an INS with letters', { ins: '1841275X0812345' }, 'ins', 'INS must contain only digits, except 2A or 2B at positions 6-7 for people born in Corsica'],
    ['an INS whose key does not match', { ins: wrongKey }, 'ins', `INS key ${wrongKey.slice(13)} does not match the NIR (expected ${validIns.slice(13)})`],
    ['a Corsican INS keyed without the Corsica rule', { ins: `${corsicanNir}${naiveKey}` }, 'ins', `INS key ${naiveKey} does not match the NIR (expected ${corsicanIns.slice(13)})`],
    ['a missing INS', { ins: undefined }, 'ins', 'INS must be a string of 15 characters, got undefined'],
    ['a CPAM code of 2 digits', { cpamCode: '75' }, 'cpamCode', 'CPAM code must have 3 digits, got 2'],
    ['a missing CPAM code', { cpamCode: undefined }, 'cpamCode', 'CPAM code must be a string of 3 digits, got undefined'],
    ['an impossible birth date', { birthDate: '1984-02-30' }, 'birthDate', 'date 1984-02-30 does not exist in the calendar'],
    ['a birth date in the future', { birthDate: '2999-01-01' }, 'birthDate', 'birth date 2999-01-01 is in the future'],
    ['an empty family name', { familyName: '' }, 'familyName', 'familyName should not be empty'],
    ['an invalid e-mail', { email: 'jeanne@' }, 'email', 'email must be a valid e-mail address'],
    ['an invalid mobile', { mobile: '01 23 45 67 89' }, 'mobile', 'mobile must be a French mobile number (06 or 07, or +33 6/7) or an international +number'],
    ['no contact at all', { email: undefined }, 'email', 'at least one contact (email or mobile) is required for notifications'],
    ['an emergency choice that is not a boolean', { emergencyAccess: 'yes' }, 'emergencyAccess', 'emergencyAccess must be a boolean value'],
    ['a missing consent', { consent: undefined }, 'consent', "consent is required: the patient's consent (when, by whom, where) must be recorded"],
    ['a consent time that is not an instant', { consent: { at: 'yesterday' } }, 'consent.at', 'consent.at must be an ISO-8601 instant (2026-11-23T10:15:00Z)'],
    ['a consent in the future', { consent: { at: '2999-01-01T00:00:00Z' } }, 'consent.at', 'consent time 2999-01-01T00:00:00Z is in the future'],
    ['a minor without a legal representative', { birthDate: `${new Date().getUTCFullYear() - 5}-01-01` }, 'legalRepresentatives', 'a minor needs at least one legal representative'],
    ['a representative with an invalid INS', { legalRepresentatives: [{ ins: '123' }] }, 'legalRepresentatives[0].ins', 'INS must have 15 characters (13 for the NIR and 2 for the key), got 3'],
    ['an unknown relationship', { legalRepresentatives: [{ ins: newIns(), relationship: 'uncle' }] }, 'legalRepresentatives[0].relationship', 'relationship must be one of parent, guardian, other'],
    ['a field the API does not know', { channel: 'pharmacy' }, 'channel', 'property channel should not exist'],
  ])('refuses %s with 400 naming the field and the reason', async (_case, overrides, field, reason) => {
    const res = await open(anOpening(overrides)).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(res.body.errors).toContainEqual({ field, reason });
  });

  it('accepts a Corsican INS keyed with the Corsica rule, and an INS written with spaces', async () => {
    await open(anOpening({ ins: corsicanIns })).expect(201);
    const spaced = newIns();
    const res = await open(anOpening({ ins: `${spaced.slice(0, 1)} ${spaced.slice(1, 3)} ${spaced.slice(3, 5)} ${spaced.slice(5, 13)} ${spaced.slice(13)}` })).expect(201);
    expect(res.body.ins).toBe(spaced);
  });

  it('refuses malformed JSON with 400, not 500', async () => {
    const res = await sut.http().post('/records').set('Authorization', `Bearer ${agentToken}`).set('Content-Type', 'application/json').send('{"ins":').expect(400);
    expect(res.body.code).toBe('INVALID_JSON');
  });

  it('refuses an invalid INS in a path with 400 naming ins', async () => {
    const res = await sut.http().get('/records/123/status').set('Authorization', `Bearer ${agentToken}`).expect(400);
    expect(res.body.errors).toEqual([{ field: 'ins', reason: 'INS must have 15 characters (13 for the NIR and 2 for the key), got 3' }]);
  });

  it('refuses a closure with an unknown reason or an impossible date', async () => {
    const body = anOpening();
    await open(body).expect(201);
    const res = await sut.http().post(`/records/${body.ins}/closure`).set('Authorization', `Bearer ${agentToken}`).send({ reason: 'bored', date: '2026-13-01' }).expect(400);
    expect(res.body.errors).toEqual([
      { field: 'reason', reason: 'reason must be one of patient-request, death, administrative' },
      { field: 'date', reason: 'date 2026-13-01 does not exist in the calendar' },
    ]);
  });

  it('refuses a pharmacy count with an invalid FINESS', async () => {
    const res = await sut.http().get('/pharmacies/12/openings').set('Authorization', `Bearer ${agentToken}`).expect(400);
    expect(res.body.errors[0].field).toBe('finess');
  });
});
