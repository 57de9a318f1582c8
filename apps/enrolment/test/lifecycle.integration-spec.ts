import { Topics } from '@dmp/contracts';
import { Ins } from '@dmp/domain';
import { actors, anOpening } from './support/builders';
import { EnrolmentTestApp, startEnrolmentApp } from './support/enrolment-test-app';

describe('Record lifecycle', () => {
  let sut: EnrolmentTestApp;
  let agent: string;
  let professional: string;

  beforeAll(async () => {
    sut = await startEnrolmentApp();
    agent = `Bearer ${sut.tokenFor(actors.agent())}`;
    professional = `Bearer ${sut.tokenFor(actors.professional())}`;
  });
  afterAll(async () => {
    await sut?.stop();
  });

  async function openedRecord(overrides: Record<string, unknown> = {}): Promise<{ ins: Ins; patient: string }> {
    const body = anOpening(overrides);
    await sut.http().post('/records').set('Authorization', agent).send(body).expect(201);
    return { ins: body.ins as Ins, patient: `Bearer ${sut.tokenFor(actors.patient(body.ins as Ins))}` };
  }

  it("closes at the patient's request: kept, with reason and date, shown closed and not feedable to professionals", async () => {
    const { ins, patient } = await openedRecord();
    const closed = await sut.http().post(`/records/${ins}/closure`).set('Authorization', patient).send({ reason: 'patient-request', date: '2026-11-01' }).expect(200);
    expect(closed.body).toMatchObject({ status: 'closed', closure: { reason: 'patient-request', date: '2026-11-01', closedBy: `patient:${ins}` } });

    const status = await sut.http().get(`/records/${ins}/status`).set('Authorization', professional).expect(200);
    expect(status.body).toEqual({
      ins,
      exists: true,
      status: 'closed',
      openedAt: closed.body.opening.openedAt,
      closedAt: closed.body.closure.closedAt,
      closureReason: 'patient-request',
      closureDate: '2026-11-01',
      mayBeFed: false,
    });
    const { rows } = await sut.db.query('SELECT status FROM records WHERE ins = $1', [ins]);
    expect(rows).toEqual([{ status: 'closed' }]);
    const [event] = await sut.outbox(Topics.RECORD_CLOSED, ins);
    expect(event.payload.payload).toMatchObject({ ins, reason: 'patient-request', effectiveDate: '2026-11-01', by: { role: 'patient', id: ins } });

    const again = await sut.http().post(`/records/${ins}/closure`).set('Authorization', agent).send({ reason: 'patient-request', date: '2026-11-01' }).expect(409);
    expect(again.body.code).toBe('RECORD_ALREADY_CLOSED');
  });

  it('tells professionals a record does not exist, and that an open one may be fed', async () => {
    const { ins } = await openedRecord();
    const open = await sut.http().get(`/records/${ins}/status`).set('Authorization', professional).expect(200);
    expect(open.body).toMatchObject({ exists: true, status: 'open', closedAt: null, mayBeFed: true });
    const other = anOpening().ins as string;
    const missing = await sut.http().get(`/records/${other}/status`).set('Authorization', professional).expect(200);
    expect(missing.body).toEqual({ ins: other, exists: false, mayBeFed: false });
  });

  it('refuses a reactivation without consent, and reactivates with a recorded consent', async () => {
    const { ins, patient } = await openedRecord();
    await sut.http().post(`/records/${ins}/closure`).set('Authorization', patient).send({ reason: 'patient-request', date: '2026-11-02' }).expect(200);
    const refused = await sut.http().post(`/records/${ins}/reactivation`).set('Authorization', agent).send({}).expect(400);
    expect(refused.body.errors).toContainEqual({ field: 'consent', reason: "consent is required: reactivating a record needs the patient's recorded consent" });

    const at = new Date(Date.now() - 1000).toISOString();
    const res = await sut.http().post(`/records/${ins}/reactivation`).set('Authorization', agent).send({ consent: { at, place: 'CPAM Paris counter 3' } }).expect(200);
    expect(res.body).toMatchObject({ status: 'open', closure: null, consent: { givenBy: ins, at, place: 'CPAM Paris counter 3', channel: 'cpam-counter' } });
    expect(res.body.reactivatedAt).not.toBeNull();
    const [event] = await sut.outbox(Topics.RECORD_REACTIVATED, ins);
    expect(event.payload.payload).toMatchObject({ ins, consent: { by: { role: 'patient', id: ins }, where: 'CPAM Paris counter 3', at }, by: { role: 'cpam-agent' } });

    const open = await sut.http().post(`/records/${ins}/reactivation`).set('Authorization', agent).send({ consent: { at } }).expect(409);
    expect(open.body.code).toBe('RECORD_NOT_CLOSED');
  });

  it("records a death (agents only) and refuses to reactivate the deceased's record", async () => {
    const { ins, patient } = await openedRecord();
    const byPatient = await sut.http().post(`/records/${ins}/closure`).set('Authorization', patient).send({ reason: 'death', date: '2026-11-03' }).expect(403);
    expect(byPatient.body.code).toBe('FORBIDDEN_FOR_ACTOR');
    await sut.http().post(`/records/${ins}/closure`).set('Authorization', agent).send({ reason: 'death', date: '2026-11-03' }).expect(200);
    const res = await sut.http().post(`/records/${ins}/reactivation`).set('Authorization', agent).send({ consent: { at: new Date().toISOString() } }).expect(409);
    expect(res.body.code).toBe('RECORD_CLOSED_BY_DEATH');
  });

  it('answers an opening of a closed record with 409 saying it exists, is closed, and should be reactivated', async () => {
    const body = anOpening();
    await sut.http().post('/records').set('Authorization', agent).send(body).expect(201);
    await sut.http().post(`/records/${body.ins}/closure`).set('Authorization', agent).send({ reason: 'patient-request', date: '2026-11-04' }).expect(200);
    const res = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(actors.pharmacy())}`).send(body).expect(409);
    expect(res.body).toMatchObject({ code: 'RECORD_ALREADY_EXISTS', existing: { status: 'closed', closureReason: 'patient-request' } });
    expect(res.body.message).toContain('reactivate it instead');
  });

  it('changes contacts (one event per change, none for a no-op) and keeps at least one', async () => {
    const { ins, patient } = await openedRecord();
    const res = await sut.http().patch(`/records/${ins}/contacts`).set('Authorization', patient).send({ email: null, mobile: '+33 6 11 22 33 44' }).expect(200);
    expect(res.body.contacts).toEqual({ email: null, mobile: '+33611223344' });
    await sut.http().patch(`/records/${ins}/contacts`).set('Authorization', patient).send({ mobile: '0611223344' }).expect(200);
    const events = await sut.outbox(Topics.CONTACT_CHANGED, ins);
    expect(events).toHaveLength(1);
    expect(events[0].payload.payload).toMatchObject({ contacts: { mobile: '+33611223344' }, by: { role: 'patient', id: ins } });

    const none = await sut.http().patch(`/records/${ins}/contacts`).set('Authorization', patient).send({ mobile: null }).expect(400);
    expect(none.body.errors).toEqual([{ field: 'email', reason: 'at least one contact (email or mobile) must remain' }]);
  });

  it('changes the emergency choices, refusing bris de glace while keeping SAMU access', async () => {
    const { ins, patient } = await openedRecord();
    const res = await sut.http().put(`/records/${ins}/emergency-choices`).set('Authorization', patient).send({ emergencyAccess: false }).expect(200);
    expect(res.body.emergency).toEqual({ emergencyAccess: false, samuAccess: true });
    const [event] = await sut.outbox(Topics.EMERGENCY_CHOICES_CHANGED, ins);
    expect(event.payload.payload).toMatchObject({ emergency: { emergencyAccess: false, samuRegulationAccess: true } });
    const empty = await sut.http().put(`/records/${ins}/emergency-choices`).set('Authorization', patient).send({}).expect(400);
    expect(empty.body.errors[0].field).toBe('emergencyAccess');
  });

  it('corrects identity traits (agents), emitting only what changed', async () => {
    const { ins } = await openedRecord();
    const res = await sut.http().patch(`/records/${ins}/identity`).set('Authorization', agent).send({ familyName: 'MARTIN-DURAND', givenNames: 'Jeanne' }).expect(200);
    expect(res.body).toMatchObject({ familyName: 'MARTIN-DURAND', givenNames: 'Jeanne' });
    const [event] = await sut.outbox(Topics.IDENTITY_CHANGED, ins);
    expect(event.payload.payload.identity).toEqual({ familyName: 'MARTIN-DURAND' });
  });

  it('refuses changes to a closed record until it is reactivated', async () => {
    const { ins, patient } = await openedRecord();
    await sut.http().post(`/records/${ins}/closure`).set('Authorization', patient).send({ reason: 'patient-request', date: '2026-11-05' }).expect(200);
    const res = await sut.http().patch(`/records/${ins}/contacts`).set('Authorization', patient).send({ email: 'new@example.fr' }).expect(409);
    expect(res.body.code).toBe('RECORD_CLOSED');
  });
});
