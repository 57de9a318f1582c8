import { Topics } from '@dmp/contracts';
import { OpeningChannel } from '@dmp/domain';
import { actors, anOpening } from './support/builders';
import { EnrolmentTestApp, startEnrolmentApp } from './support/enrolment-test-app';

describe('Opening a record (POST /records)', () => {
  let sut: EnrolmentTestApp;

  beforeAll(async () => {
    sut = await startEnrolmentApp();
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('opens at a CPAM counter, recording the agent, the counter office and the consent', async () => {
    const agent = actors.agent('931');
    const body = anOpening({ cpamCode: '751' });
    const res = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(agent)}`).send(body).expect(201);
    expect(res.body).toMatchObject({
      ins: body.ins,
      status: 'open',
      cpamCode: '751',
      emergency: { emergencyAccess: true, samuAccess: true },
      opening: { channel: OpeningChannel.CPAM_COUNTER, openedBy: { role: 'cpam-agent', id: agent.agentId }, cpamCode: '931', finess: null },
      consent: { givenBy: body.ins, place: 'test counter', channel: OpeningChannel.CPAM_COUNTER },
    });
    const events = await sut.outbox(Topics.RECORD_OPENED, body.ins as string);
    expect(events).toHaveLength(1);
    expect(events[0].payload.payload).toMatchObject({ ins: body.ins, channel: 'cpam-counter', cpamCode: '751', openingActor: { role: 'cpam-agent' } });
  });

  it('opens at a pharmacy, keeping its FINESS so its openings can be counted and paid', async () => {
    const pharmacy = actors.pharmacy();
    const token = sut.tokenFor(pharmacy);
    for (let i = 0; i < 2; i++) {
      const res = await sut.http().post('/records').set('Authorization', `Bearer ${token}`).send(anOpening()).expect(201);
      expect(res.body.opening).toMatchObject({ channel: OpeningChannel.PHARMACY, finess: pharmacy.finess, openedBy: { role: 'pharmacy', id: pharmacy.finess } });
      expect(res.body.consent.place).toBe('test counter');
    }
    const count = await sut.http().get(`/pharmacies/${pharmacy.finess}/openings`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(count.body).toEqual({ finess: pharmacy.finess, from: null, to: null, openings: 2 });
  });

  it('opens online for the patient themselves, with the consent place defaulting to the online space', async () => {
    const body = anOpening({ consent: { at: new Date().toISOString() }, email: undefined, mobile: '07 00 00 00 01' });
    const patient = actors.patient(body.ins as never);
    const res = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(patient)}`).send(body).expect(201);
    expect(res.body).toMatchObject({
      opening: { channel: OpeningChannel.PATIENT_ONLINE, openedBy: { role: 'patient', id: body.ins } },
      consent: { place: 'online patient space' },
      contacts: { email: null, mobile: '+33700000001' },
    });
  });

  it('opens for a professional (RPPS) and from an establishment FINESS', async () => {
    const professional = actors.professional();
    const res1 = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(professional)}`).send(anOpening()).expect(201);
    expect(res1.body.opening).toMatchObject({ channel: OpeningChannel.PROFESSIONAL, openedBy: { role: 'professional', id: professional.rpps } });

    const establishment = actors.establishment();
    const res2 = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(establishment)}`).send(anOpening()).expect(201);
    expect(res2.body.opening).toMatchObject({ channel: OpeningChannel.ESTABLISHMENT, finess: establishment.finess, openedBy: { role: 'establishment', id: establishment.finess } });
  });

  it('records refused emergency and SAMU access, and carries them in the event', async () => {
    const body = anOpening({ emergencyAccess: false, samuAccess: false });
    const res = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(actors.agent())}`).send(body).expect(201);
    expect(res.body.emergency).toEqual({ emergencyAccess: false, samuAccess: false });
    const [event] = await sut.outbox(Topics.RECORD_OPENED, body.ins as string);
    expect(event.payload.payload).toMatchObject({ emergency: { emergencyAccess: false, samuRegulationAccess: false } });
  });

  it('answers a repeated opening by the same opener with the same record, 200, and no second event', async () => {
    const agent = actors.agent();
    const token = sut.tokenFor(agent);
    const body = anOpening();
    const first = await sut.http().post('/records').set('Authorization', `Bearer ${token}`).send(body).expect(201);
    const second = await sut.http().post('/records').set('Authorization', `Bearer ${token}`).send(body).expect(200);
    expect(second.body).toEqual(first.body);
    expect(await sut.outbox(Topics.RECORD_OPENED, body.ins as string)).toHaveLength(1);
  });

  it('answers 409 RECORD_ALREADY_EXISTS, saying how and when, when another channel opens an existing record', async () => {
    const body = anOpening();
    const first = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(actors.agent())}`).send(body).expect(201);
    const res = await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(actors.pharmacy())}`).send(body).expect(409);
    expect(res.body).toMatchObject({
      statusCode: 409,
      code: 'RECORD_ALREADY_EXISTS',
      errors: [{ field: 'ins' }],
      existing: { recordId: first.body.id, status: 'open', openingChannel: 'cpam-counter', openedAt: first.body.opening.openedAt },
    });
    expect(res.body.message).toContain(`cpam-counter on ${first.body.opening.openedAt}`);
    expect(await sut.outbox(Topics.RECORD_OPENED, body.ins as string)).toHaveLength(1);
  });

  it('settles concurrent duplicate openings on one record and one event', async () => {
    const token = sut.tokenFor(actors.pharmacy());
    const body = anOpening();
    const responses = await Promise.all(Array.from({ length: 12 }, () => sut.http().post('/records').set('Authorization', `Bearer ${token}`).send(body)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const { rows } = await sut.db.query('SELECT count(*)::int AS n FROM records WHERE ins = $1', [body.ins]);
    expect(rows[0].n).toBe(1);
    expect(await sut.outbox(Topics.RECORD_OPENED, body.ins as string)).toHaveLength(1);
  });

  it('opens many people at once from different openers, each record with its own opener, event and correlation id', async () => {
    const openers = [actors.agent(), actors.pharmacy(), actors.professional(), actors.establishment()];
    const requests = Array.from({ length: 40 }, (_, i) => ({ opener: openers[i % openers.length], body: anOpening(), correlationId: `corr-${i}` }));

    const responses = await Promise.all(
      requests.map((r) =>
        sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(r.opener)}`).set('x-correlation-id', r.correlationId).send(r.body),
      ),
    );

    expect(responses.map((r) => r.status)).toEqual(requests.map(() => 201));
    for (const [i, r] of requests.entries()) {
      expect(responses[i].body).toMatchObject({ ins: r.body.ins, opening: { channel: openerChannel(r.opener.role) } });
      const events = await sut.outbox(Topics.RECORD_OPENED, r.body.ins as string);
      expect(events).toHaveLength(1);
      expect(events[0].payload).toMatchObject({ correlationId: r.correlationId, payload: { ins: r.body.ins, channel: openerChannel(r.opener.role) } });
    }
  });

  it('settles concurrent openings from different channels on one record: one 201, the others 409', async () => {
    const body = anOpening();
    const openers = [actors.agent(), actors.pharmacy(), actors.professional(), actors.establishment(), actors.patient(body.ins as never)];
    const responses = await Promise.all(openers.map((a) => sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(a)}`).send(body)));
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await sut.outbox(Topics.RECORD_OPENED, body.ins as string)).toHaveLength(1);
  });
});

function openerChannel(role: string): OpeningChannel {
  const channels: Record<string, OpeningChannel> = {
    'cpam-agent': OpeningChannel.CPAM_COUNTER,
    pharmacy: OpeningChannel.PHARMACY,
    professional: OpeningChannel.PROFESSIONAL,
    establishment: OpeningChannel.ESTABLISHMENT,
  };
  return channels[role];
}
