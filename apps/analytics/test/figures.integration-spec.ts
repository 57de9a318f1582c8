import { randomUUID } from 'node:crypto';
import { Admin, Producer } from 'kafkajs';
import { createEvent, EventDefinition, EventEnvelope, RecordClosedEvent, RecordOpenedEvent, RecordReactivatedEvent, serializeEvent } from '@dmp/contracts';
import { ActorRole, ClosureReason, CpamCode, Ins, OpeningChannel } from '@dmp/domain';
import { anIns, anOperator, aPharmacy, startTestApp, TestApp, testConfig, tokenFor, waitFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { AnalyticsConfig } from '../src/config';
import { consumed } from './support/consumed';
import { startTestKafka, TestKafka } from './support/test-kafka';

// A broker of its own: the figures count every enrolment event on the topics, and the shared
// broker carries other test files' openings.
describe('analytics figures', () => {
  let broker: TestKafka;
  let producer: Producer;
  let admin: Admin;
  let sut: TestApp;
  const operator = tokenFor(anOperator());
  const pharmacy = aPharmacy().build() as { finess: string };

  const opened = (ins: Ins, cpam: string, channel: OpeningChannel, openedAt: string, openerId = 'agent-1'): EventEnvelope<unknown> =>
    createEvent(
      RecordOpenedEvent,
      {
        ins,
        channel,
        cpamCode: cpam as CpamCode,
        openingActor: { role: channel === OpeningChannel.PHARMACY ? ActorRole.PHARMACY : ActorRole.CPAM_AGENT, id: openerId },
        openedAt,
        consent: { by: { role: ActorRole.PATIENT, id: ins }, where: 'counter', at: openedAt },
        emergency: { emergencyAccess: true, samuRegulationAccess: true },
        contacts: { email: 'patient@example.org' },
        isMinor: false,
        legalRepresentatives: [],
      },
      { producer: 'enrolment', correlationId: randomUUID(), occurredAt: openedAt },
    ) as EventEnvelope<unknown>;
  const closed = (ins: Ins, closedAt: string): EventEnvelope<unknown> =>
    createEvent(
      RecordClosedEvent,
      { ins, reason: ClosureReason.PATIENT_REQUEST, effectiveDate: closedAt.slice(0, 10) as never, closedAt, by: { role: ActorRole.PATIENT, id: ins } },
      { producer: 'enrolment', correlationId: randomUUID(), occurredAt: closedAt },
    ) as EventEnvelope<unknown>;
  const reactivated = (ins: Ins, at: string): EventEnvelope<unknown> =>
    createEvent(
      RecordReactivatedEvent,
      { ins, consent: { by: { role: ActorRole.PATIENT, id: ins }, where: 'online', at }, by: { role: ActorRole.PATIENT, id: ins }, reactivatedAt: at },
      { producer: 'enrolment', correlationId: randomUUID(), occurredAt: at },
    ) as EventEnvelope<unknown>;

  async function publish(definition: EventDefinition<unknown>, envelopes: EventEnvelope<unknown>[]): Promise<void> {
    await producer.send({ topic: definition.topic, messages: envelopes.map((e) => serializeEvent(e)) });
  }
  async function get<T>(path: string): Promise<T> {
    const response = await fetch(`${sut.url}${path}`, { headers: { authorization: `Bearer ${operator}` } });
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (response.headers.get('content-type') ?? '').includes('csv') ? ((await response.text()) as T) : ((await response.json()) as T);
  }

  beforeAll(async () => {
    broker = await startTestKafka('analytics-test');
    ({ producer, admin } = broker);
    const config = await testConfig(AnalyticsConfig, { KAFKA_BROKERS: broker.bootstrap });
    sut = await startTestApp(AppModule.forRoot(config), config);
  });

  afterAll(async () => {
    await sut?.stop();
    await broker?.stop();
  });

  it('counts openings by week and channel, coverage per CPAM to one decimal, and pharmacy openings; replays change nothing', async () => {
    // Doubs (251): 4 openings, one closed; Bayonne (642): 2 openings. Monday 2019-12-09 and 2019-12-16 weeks.
    const patients = Array.from({ length: 6 }, () => anIns());
    const openings = [
      opened(patients[0], '251', OpeningChannel.CPAM_COUNTER, '2019-12-09T09:00:00.000Z'),
      opened(patients[1], '251', OpeningChannel.PHARMACY, '2019-12-10T09:00:00.000Z', pharmacy.finess),
      opened(patients[2], '251', OpeningChannel.PHARMACY, '2019-12-16T09:00:00.000Z', pharmacy.finess),
      opened(patients[3], '251', OpeningChannel.PATIENT_ONLINE, '2019-12-15T23:30:00.000Z'), // Monday 00:30 in Paris
      opened(patients[4], '642', OpeningChannel.CPAM_COUNTER, '2019-12-11T09:00:00.000Z'),
      opened(patients[5], '642', OpeningChannel.PROFESSIONAL, '2019-12-12T09:00:00.000Z'),
    ];
    // The closure arrives before the opening it follows: it must still count.
    await publish(RecordClosedEvent as EventDefinition<unknown>, [closed(patients[0], '2019-12-20T10:00:00.000Z')]);
    await publish(RecordOpenedEvent as EventDefinition<unknown>, openings);

    await waitFor(async () => (await get<{ opened: number; closed: number }>('/figures/records')).opened === 6 && (await get<{ closed: number }>('/figures/records')).closed === 1, {
      timeoutMs: 30_000,
      message: 'six openings and one closure counted',
    });

    const weekly = await get<Array<{ period: string; channel: string; opened: number }>>('/figures/openings?period=week&cpam=251');
    expect(weekly).toEqual([
      { period: '2019-12-09', channel: 'cpam-counter', opened: 1 },
      { period: '2019-12-09', channel: 'pharmacy', opened: 1 },
      { period: '2019-12-16', channel: 'patient-online', opened: 1 },
      { period: '2019-12-16', channel: 'pharmacy', opened: 1 },
    ]);
    const coverage = await get<Array<{ cpamCode: string; openRecords: number; coverageRate: number }>>('/figures/coverage');
    expect(coverage.find((r) => r.cpamCode === '251')).toMatchObject({ openRecords: 3, coverageRate: 0 });
    expect(coverage.find((r) => r.cpamCode === '642')).toMatchObject({ openRecords: 2 });
    expect(await get<string>(`/figures/pharmacy-openings?format=csv&from=2019-12-01&to=2019-12-31`)).toBe(`finess,opened\n${pharmacy.finess},2\n`);

    // Redelivery (same event ids) and a replay with new ids give the same figures.
    await publish(RecordOpenedEvent as EventDefinition<unknown>, openings);
    const replay = openings.map((e) => ({ ...e, eventId: randomUUID() }));
    await publish(RecordOpenedEvent as EventDefinition<unknown>, replay);
    const marker = anIns();
    await publish(RecordOpenedEvent as EventDefinition<unknown>, [opened(marker, '642', OpeningChannel.CPAM_COUNTER, '2019-12-13T09:00:00.000Z')]);
    await waitFor(async () => (await get<{ opened: number }>('/figures/records')).opened === 7, { timeoutMs: 30_000, message: 'the marker opening counted' });

    expect(await get('/figures/records?cpam=251')).toEqual({ opened: 4, closed: 1, open: 3 });
  });

  it('applies the latest of a closure and a reactivation whatever their arrival order', async () => {
    const ins = anIns();
    const closure = closed(ins, '2019-02-01T09:00:00.000Z');
    await publish(RecordOpenedEvent as EventDefinition<unknown>, [opened(ins, '941', OpeningChannel.CPAM_COUNTER, '2019-01-07T09:00:00.000Z')]);
    await publish(RecordReactivatedEvent as EventDefinition<unknown>, [reactivated(ins, '2019-03-01T09:00:00.000Z')]);
    await publish(RecordClosedEvent as EventDefinition<unknown>, [closure]);

    await consumed(admin, [RecordOpenedEvent.topic, RecordReactivatedEvent.topic, RecordClosedEvent.topic]);

    expect(await get('/figures/records?cpam=941')).toEqual({ opened: 1, closed: 0, open: 1 });
  });

  it('answers 400 naming the field for a bad filter, and 403 to a pharmacy', async () => {
    const bad = await fetch(`${sut.url}/figures/openings?period=year&cpam=12`, { headers: { authorization: `Bearer ${operator}` } });
    const body = (await bad.json()) as { errors: Array<{ field: string }> };
    expect(bad.status).toBe(400);
    expect(body.errors.map((e) => e.field).sort()).toEqual(['cpam', 'period']);

    const forbidden = await fetch(`${sut.url}/figures/coverage`, { headers: { authorization: `Bearer ${tokenFor(aPharmacy())}` } });
    expect(forbidden.status).toBe(403);
  });
});
