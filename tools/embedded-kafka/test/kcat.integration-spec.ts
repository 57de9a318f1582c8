import { AssignerProtocol, IHeaders, Kafka } from 'kafkajs';
import { startBroker } from '@dmp/embedded-kafka';
import { TestBroker, kafkaFor, startTestBroker, uniqueName } from './support/clients';
import { RunningKcat, runKcat, startKcat } from './support/kcat';
import { waitFor } from '@dmp/testing';

interface KcatMetadata {
  brokers: { id: number; name: string }[];
  topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
}

interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

describe(`${startBroker.name} with kcat (librdkafka)`, () => {
  let sut: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    sut = await startTestBroker('kcat', { defaultPartitions: 1 });
    kafka = kafkaFor(sut.bootstrap, 'kcat-suite');
  });

  afterAll(async () => {
    await sut.stop();
  });

  async function createTopic(numPartitions: number): Promise<string> {
    const topic = uniqueName('kcat');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
    await admin.disconnect();
    return topic;
  }

  it('lists brokers and topics with -L', async () => {
    const topic = await createTopic(3);
    const result = await runKcat(['-b', sut.bootstrap, '-L', '-J']);
    expect(result).toMatchObject({ code: 0 });
    const metadata = JSON.parse(result.stdout) as KcatMetadata;
    expect(metadata.brokers).toEqual([expect.objectContaining({ name: sut.bootstrap })]);
    const listed = metadata.topics.find((t) => t.topic === topic);
    expect(listed?.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    expect(listed?.partitions.every((p) => p.leader === metadata.brokers[0].id)).toBe(true);
  });

  it('enables record batches v2, balanced consumer groups and idempotence in librdkafka', async () => {
    const result = await runKcat(['-b', sut.bootstrap, '-L', '-d', 'feature']);
    expect(result.code).toBe(0);
    for (const feature of ['MsgVer2', 'BrokerBalancedConsumer', 'IdempotentProducer']) {
      expect({ feature, enabled: new RegExp(`Enabling feature ${feature}$`, 'm').test(result.stderr) }).toEqual({ feature, enabled: true });
    }
  });

  it('delivers kcat -P messages with keys and headers to a kafkajs consumer', async () => {
    const topic = await createTopic(1);
    const produced = await runKcat(['-b', sut.bootstrap, '-P', '-t', topic, '-K', ':', '-H', 'trace-id=abc-123', '-H', 'event-type=test'], {
      input: 'k1:first value\nk2:second value\n',
    });
    expect(produced).toMatchObject({ code: 0 });

    const received: { key: string | null; value: string | null; headers: IHeaders }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('g-kcat-p'), maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers: message.headers ?? {} });
        },
      });
      await waitFor(() => received.length === 2, { timeoutMs: 20_000, message: '2 messages from kcat' });
    } finally {
      await consumer.disconnect();
    }
    expect(received.map((r) => [r.key, r.value])).toEqual([
      ['k1', 'first value'],
      ['k2', 'second value'],
    ]);
    for (const r of received) {
      expect(r.headers['trace-id']?.toString()).toBe('abc-123');
      expect(r.headers['event-type']?.toString()).toBe('test');
    }
  });

  it('serves kafkajs messages to kcat -C with format strings and JSON envelopes, nulls included', async () => {
    const topic = await createTopic(2);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { partition: 0, key: 'patient-1', value: 'hello', headers: { 'correlation-id': 'c-1' } },
        { partition: 0, key: null, value: 'no key' },
        { partition: 1, key: 'tombstone', value: null },
      ],
    });
    await producer.disconnect();

    const formatted = await runKcat(['-b', sut.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-Z', '-q', '-f', '%p|%o|%k|%s|%h\\n']);
    expect(formatted.code).toBe(0);
    expect(formatted.stdout.trim().split('\n').sort()).toEqual(['0|0|patient-1|hello|correlation-id=c-1', '0|1|NULL|no key|', '1|0|tombstone|NULL|'].sort());

    const json = await runKcat(['-b', sut.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-J']);
    const messages = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as KcatMessage);
    expect(messages.map((m) => [m.offset, m.key, m.payload, m.headers ?? null])).toEqual([
      [0, 'patient-1', 'hello', ['correlation-id', 'c-1']],
      [1, null, 'no key', null],
    ]);
  });

  it('splits partitions between two kcat -G members, delivers each message to one of them, and evicts a killed member', async () => {
    const topic = await createTopic(6);
    const groupId = uniqueName('g-kcat-balanced');
    const args = ['-b', sut.bootstrap, '-G', groupId, '-u', '-q', '-f', '%p %s\\n', '-X', 'auto.offset.reset=earliest', '-X', 'heartbeat.interval.ms=300', '-X', 'session.timeout.ms=3000', topic];
    const members: RunningKcat[] = [];
    const admin = kafka.admin();
    await admin.connect();
    try {
      members.push(startKcat(args));
      await waitFor(async () => (await admin.describeGroups([groupId])).groups[0].state === 'Stable', { timeoutMs: 20_000, message: 'first kcat member stable' });
      members.push(startKcat(args));
      const assignments = await waitFor(
        async () => {
          const [group] = (await admin.describeGroups([groupId])).groups;
          if (group.state !== 'Stable' || group.members.length !== 2) return null;
          const parts = group.members.map((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? []);
          return parts.every((p) => p.length > 0) ? parts : null;
        },
        { timeoutMs: 30_000, intervalMs: 100, message: 'two kcat members sharing the partitions' },
      );
      expect(assignments.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);

      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 60 }, (_, i) => ({ partition: i % 6, value: `m${i}` })) });
      await producer.disconnect();

      const lines = (m: RunningKcat): string[] => m.stdout().split('\n').filter(Boolean);
      await waitFor(() => lines(members[0]).length + lines(members[1]).length >= 60, {
        timeoutMs: 30_000,
        message: '60 messages across both kcat members',
      });
      const seen = members.map((m) => lines(m).map((line) => line.split(' ')));
      const values = seen.flat().map(([, value]) => value);
      expect(values.sort()).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`).sort());
      for (const member of seen) expect(member.length).toBeGreaterThan(0);
      const partitionsOf = seen.map((member) => new Set(member.map(([p]) => Number(p))));
      expect([...partitionsOf[0]].filter((p) => partitionsOf[1].has(p))).toEqual([]);

      // A member killed without leaving is evicted when its session expires; the survivor takes over.
      members[1].child.kill('SIGKILL');
      await waitFor(
        async () => {
          const [group] = (await admin.describeGroups([groupId])).groups;
          if (group.state !== 'Stable' || group.members.length !== 1) return false;
          return (AssignerProtocol.MemberAssignment.decode(group.members[0].memberAssignment)?.assignment[topic] ?? []).length === 6;
        },
        { timeoutMs: 30_000, intervalMs: 100, message: 'the surviving kcat member to own all 6 partitions' },
      );
      const linesBefore = lines(members[0]).length;
      const again = kafka.producer();
      await again.connect();
      await again.send({ topic, messages: Array.from({ length: 12 }, (_, i) => ({ partition: i % 6, value: `late${i}` })) });
      await again.disconnect();
      // The killed member never committed, so the survivor may first re-read its partitions.
      const lateAtSurvivor = (): string[] => lines(members[0]).slice(linesBefore).map((line) => line.split(' ')[1]).filter((v) => v.startsWith('late'));
      await waitFor(() => lateAtSurvivor().length >= 12, { timeoutMs: 30_000, message: '12 late messages at the survivor' });
      expect(lateAtSurvivor().sort()).toEqual(Array.from({ length: 12 }, (_, i) => `late${i}`).sort());
      await Promise.all(members.map((m) => m.stop()));
      await waitFor(async () => (await admin.describeGroups([groupId])).groups[0].state === 'Empty', { timeoutMs: 20_000, message: 'group empty after both kcat members left' });
    } finally {
      await Promise.all(members.map((m) => m.stop()));
      await admin.disconnect();
    }
  }, 120_000);
});
