import { Actor } from '@dmp/auth';
import { Ins } from '@dmp/domain';
import { actors, anOpening, newIns } from './support/builders';
import { EnrolmentTestApp, startEnrolmentApp } from './support/enrolment-test-app';

describe('Who may do what', () => {
  let sut: EnrolmentTestApp;
  let ins: Ins;
  const bearer = (actor: Actor) => `Bearer ${sut.tokenFor(actor)}`;

  beforeAll(async () => {
    sut = await startEnrolmentApp();
    const body = anOpening();
    ins = body.ins as Ins;
    await sut.http().post('/records').set('Authorization', bearer(actors.agent())).send(body).expect(201);
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('refuses a request without a token (401)', async () => {
    const res = await sut.http().get(`/records/${ins}/status`).expect(401);
    expect(res.body.statusCode).toBe(401);
  });

  it('refuses a pharmacy closing a record (403)', async () => {
    const res = await sut.http().post(`/records/${ins}/closure`).set('Authorization', bearer(actors.pharmacy())).send({ reason: 'patient-request', date: '2026-11-01' }).expect(403);
    expect(res.body.statusCode).toBe(403);
  });

  it('lets professionals open and check, but not read the whole record, close or reactivate', async () => {
    const pro = bearer(actors.professional());
    await sut.http().post('/records').set('Authorization', pro).send(anOpening()).expect(201);
    await sut.http().get(`/records/${ins}/status`).set('Authorization', pro).expect(200);
    await sut.http().get(`/records/${ins}`).set('Authorization', pro).expect(403);
    await sut.http().post(`/records/${ins}/closure`).set('Authorization', pro).send({ reason: 'patient-request', date: '2026-11-01' }).expect(403);
    await sut.http().post(`/records/${ins}/reactivation`).set('Authorization', pro).send({ consent: { at: new Date().toISOString() } }).expect(403);
  });

  it('lets operators read, and nothing else', async () => {
    const ops = bearer(actors.operator());
    await sut.http().get(`/records/${ins}`).set('Authorization', ops).expect(200);
    await sut.http().get(`/records/${ins}/status`).set('Authorization', ops).expect(200);
    await sut.http().post('/records').set('Authorization', ops).send(anOpening()).expect(403);
    await sut.http().post(`/records/${ins}/closure`).set('Authorization', ops).send({ reason: 'patient-request', date: '2026-11-01' }).expect(403);
    await sut.http().patch(`/records/${ins}/contacts`).set('Authorization', ops).send({ email: 'x@example.fr' }).expect(403);
  });

  it("keeps a patient to their own record: another's is not found, and they cannot open one for someone else", async () => {
    const other = bearer(actors.patient(newIns()));
    await sut.http().get(`/records/${ins}`).set('Authorization', other).expect(404);
    await sut.http().patch(`/records/${ins}/contacts`).set('Authorization', other).send({ email: 'x@example.fr' }).expect(404);
    await sut.http().post(`/records/${ins}/closure`).set('Authorization', other).send({ reason: 'patient-request', date: '2026-11-01' }).expect(404);
    const status = await sut.http().get(`/records/${ins}/status`).set('Authorization', other).expect(200);
    expect(status.body).toEqual({ ins, exists: false, mayBeFed: false });
    const res = await sut.http().post('/records').set('Authorization', other).send(anOpening()).expect(403);
    expect(res.body.code).toBe('FORBIDDEN_FOR_ACTOR');
    await sut.http().get(`/records/${ins}`).set('Authorization', bearer(actors.patient(ins))).expect(200);
  });

  it('lets CPAM agents open, close and reactivate; identity corrections are theirs only', async () => {
    const agent = bearer(actors.agent());
    const body = anOpening();
    await sut.http().post('/records').set('Authorization', agent).send(body).expect(201);
    await sut.http().post(`/records/${body.ins}/closure`).set('Authorization', agent).send({ reason: 'administrative', date: '2026-11-01' }).expect(200);
    await sut.http().post(`/records/${body.ins}/reactivation`).set('Authorization', agent).send({ consent: { at: new Date().toISOString() } }).expect(200);
    await sut.http().patch(`/records/${body.ins}/identity`).set('Authorization', bearer(actors.patient(body.ins as Ins))).send({ familyName: 'X' }).expect(403);
  });

  it("shows a pharmacy its own opening count only", async () => {
    const pharmacy = actors.pharmacy();
    const other = actors.pharmacy();
    await sut.http().get(`/pharmacies/${pharmacy.finess}/openings`).set('Authorization', bearer(pharmacy)).expect(200);
    const res = await sut.http().get(`/pharmacies/${other.finess}/openings`).set('Authorization', bearer(pharmacy)).expect(403);
    expect(res.body.code).toBe('FORBIDDEN_FOR_ACTOR');
  });

  it('refuses bulk campaigns to pharmacies and patients', async () => {
    await sut.http().post('/bulk-jobs').set('Authorization', bearer(actors.pharmacy())).send({ format: 'csv' }).expect(403);
    await sut.http().post('/bulk-jobs').set('Authorization', bearer(actors.patient(ins))).send({ format: 'csv' }).expect(403);
  });
});
