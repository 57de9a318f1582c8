import { Topics } from '@dmp/contracts';
import { Ins } from '@dmp/domain';
import { aMinorOpening, actors, newIns } from './support/builders';
import { EnrolmentTestApp, startEnrolmentApp } from './support/enrolment-test-app';

describe('Dependants (minors and their legal representatives)', () => {
  let sut: EnrolmentTestApp;
  let agent: string;

  beforeAll(async () => {
    sut = await startEnrolmentApp();
    agent = `Bearer ${sut.tokenFor(actors.agent())}`;
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it("lets a parent open their child's record online; the parent gave the consent and is told it is attached", async () => {
    const parent = newIns();
    const body = aMinorOpening(parent);
    const token = `Bearer ${sut.tokenFor(actors.representative(parent, [body.ins as Ins]))}`;
    const res = await sut.http().post('/records').set('Authorization', token).send(body).expect(201);
    expect(res.body).toMatchObject({
      legalRepresentatives: [{ ins: parent, relationship: 'parent' }],
      consent: { givenBy: parent, channel: 'patient-online' },
      opening: { channel: 'patient-online', openedBy: { role: 'legal-representative', id: parent } },
    });
    const [opened] = await sut.outbox(Topics.RECORD_OPENED, body.ins as string);
    expect(opened.payload.payload).toMatchObject({ isMinor: true, legalRepresentatives: [{ ins: parent, relationship: 'parent' }], consent: { by: { role: 'legal-representative', id: parent } } });
    const attached = await sut.outbox(Topics.DEPENDANT_ATTACHED, body.ins as string);
    expect(attached.map((e) => e.payload.payload.representative)).toEqual([{ ins: parent, relationship: 'parent' }]);

    // The parent, logged in as a patient, reads the child's record too.
    await sut.http().get(`/records/${body.ins}`).set('Authorization', `Bearer ${sut.tokenFor(actors.patient(parent))}`).expect(200);
  });

  it("refuses an online opening of a child's record by someone whose token does not say they represent the child", async () => {
    const parent = newIns();
    const body = aMinorOpening(parent);
    // Named in the body, but the token (the identity provider) does not vouch for the link.
    const asPatient = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(actors.patient(parent))}`).send(body).expect(403);
    expect(asPatient.body.code).toBe('FORBIDDEN_FOR_ACTOR');
    const otherChild = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(actors.representative(parent, [newIns()]))}`).send(body).expect(403);
    expect(otherChild.body.code).toBe('FORBIDDEN_FOR_ACTOR');
    // Represents the child per the token, but is not named among the record's representatives.
    const notNamed = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(actors.representative(newIns(), [body.ins as Ins]))}`).send(body).expect(403);
    expect(notNamed.body.code).toBe('FORBIDDEN_FOR_ACTOR');
  });

  it('changes the representatives: the new one is attached and acts, the removed one loses access at once', async () => {
    const [mother, father, guardian] = [newIns(), newIns(), newIns()];
    const body = aMinorOpening(mother, { legalRepresentatives: [{ ins: mother }, { ins: father }] });
    await sut.http().post('/records').set('Authorization', agent).send(body).expect(201);
    const motherToken = `Bearer ${sut.tokenFor(actors.patient(mother))}`;
    const res = await sut.http()
      .put(`/records/${body.ins}/legal-representatives`)
      .set('Authorization', motherToken)
      .send({ legalRepresentatives: [{ ins: mother }, { ins: guardian, relationship: 'guardian' }] })
      .expect(200);
    expect(res.body.legalRepresentatives).toEqual([{ ins: mother, relationship: 'parent' }, { ins: guardian, relationship: 'guardian' }]);

    const [changed] = await sut.outbox(Topics.REPRESENTATIVE_CHANGED, body.ins as string);
    expect(changed.payload.payload.legalRepresentatives).toEqual([{ ins: mother, relationship: 'parent' }, { ins: guardian, relationship: 'guardian' }]);
    const attached = await sut.outbox(Topics.DEPENDANT_ATTACHED, body.ins as string);
    expect(attached.map((e) => (e.payload.payload.representative as { ins: string }).ins)).toEqual([mother, father, guardian]);

    await sut.http().get(`/records/${body.ins}`).set('Authorization', `Bearer ${sut.tokenFor(actors.patient(father))}`).expect(404);
    await sut.http().get(`/records/${body.ins}`).set('Authorization', `Bearer ${sut.tokenFor(actors.patient(guardian))}`).expect(200);

    const none = await sut.http().put(`/records/${body.ins}/legal-representatives`).set('Authorization', agent).send({ legalRepresentatives: [] }).expect(400);
    expect(none.body.errors).toEqual([{ field: 'legalRepresentatives', reason: 'a minor needs at least one legal representative' }]);
  });

  it('refuses the transfer before 18, and passes the record to the person at majority', async () => {
    const parent = newIns();
    const body = aMinorOpening(parent);
    await sut.http().post('/records').set('Authorization', agent).send(body).expect(201);
    const early = await sut.http().post(`/records/${body.ins}/majority-transfer`).set('Authorization', agent).expect(409);
    expect(early.body.code).toBe('NOT_YET_OF_AGE');

    // Time passes: the child turns 18 (the birth date is all the rule reads).
    const eighteen = new Date();
    eighteen.setUTCFullYear(eighteen.getUTCFullYear() - 18);
    await sut.db.query('UPDATE records SET birth_date = $2 WHERE ins = $1', [body.ins, eighteen.toISOString().slice(0, 10)]);

    const self = `Bearer ${sut.tokenFor(actors.patient(body.ins as Ins))}`;
    const res = await sut.http().post(`/records/${body.ins}/majority-transfer`).set('Authorization', self).expect(200);
    expect(res.body.legalRepresentatives).toEqual([]);
    const [event] = await sut.outbox(Topics.RECORD_TRANSFERRED_AT_MAJORITY, body.ins as string);
    expect(event.payload.payload).toMatchObject({ ins: body.ins, formerRepresentatives: [parent] });
    await sut.http().get(`/records/${body.ins}`).set('Authorization', `Bearer ${sut.tokenFor(actors.patient(parent))}`).expect(404);

    const twice = await sut.http().post(`/records/${body.ins}/majority-transfer`).set('Authorization', self).expect(409);
    expect(twice.body.code).toBe('NOT_A_DEPENDANT');
  });
});
