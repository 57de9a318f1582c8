import { ActorRole, CpamCode, OpeningChannel, generateIns, seededRandom } from '@dmp/domain';
import { readBundle } from '@dmp/messaging';
import { Opener } from '../records/opener';
import { BulkBatchPreparer, BulkJobContext, BulkRowResult, PreparedBatch, STAGING_COLUMNS } from './bulk-batch-preparer';

const random = seededRandom(4);
const adult = (): string => generateIns(random, { birthYear: 70 });
const child = (): string => generateIns(random, { birthYear: 18 });
const opener: Opener = { channel: OpeningChannel.CPAM_COUNTER, role: ActorRole.CPAM_AGENT, id: 'agent-1', finess: null, cpamCode: '751', defaultPlace: 'CPAM 751 counter' };
const consentAt = new Date(Date.now() - 3600_000).toISOString();
const context = (batchSize: number): BulkJobContext => ({
  format: 'ndjson',
  actor: { role: ActorRole.CPAM_AGENT, agentId: 'agent-1', cpamCode: '751' as CpamCode },
  opener,
  now: Date.now(),
  correlationId: 'bulk-job-1',
  batchSize,
});
const body = (ins: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ ins, familyName: 'DURAND', givenNames: 'Paul\tJean', birthDate: `19${ins.slice(1, 3)}-${ins.slice(3, 5)}-15`, cpamCode: '751', email: 'paul@example.fr', consent: { at: consentAt, place: 'campagne "hiver"' }, ...extra });

/** The COPY text back into rows of named fields (what PostgreSQL reads). */
function stagedRows(batch: PreparedBatch): Array<Record<string, string | null>> {
  const columns = STAGING_COLUMNS.split(',').map((c) => c.trim());
  const unescape = (field: string): string | null => (field === '\\N' ? null : field.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c));
  return new TextDecoder()
    .decode(batch.copy)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => Object.fromEntries(line.split('\t').map((field, i) => [columns[i], unescape(field)])));
}

describe(BulkBatchPreparer.name, () => {
  it('cuts the file into batches of the batch size, in file order, whatever the chunks', () => {
    const people = Array.from({ length: 7 }, adult);
    const file = people.map((ins) => body(ins)).join('\n');
    const sut = new BulkBatchPreparer(context(3));

    const batches = [...sut.push(file.slice(0, 500)), ...sut.push(file.slice(500)), ...sut.end()];

    expect(batches.map((b) => b.results.length)).toEqual([3, 3, 1]);
    const results = batches.flatMap((b) => b.results.map((r) => JSON.parse(r) as BulkRowResult));
    expect(results.map((r) => [r.line, r.ins, r.outcome])).toEqual(people.map((ins, i) => [i + 1, ins, 'opened']));
  });

  it('renders each valid row as its record, its place in the batch and its events, and rejects the others with the reason', () => {
    const [first, parent, minor] = [adult(), adult(), child()];
    const file = [
      body(first),
      '{not json',
      body(`${first.slice(0, 13)}00`),
      '',
      body(minor, { birthDate: `20${minor.slice(1, 3)}-${minor.slice(3, 5)}-15`, legalRepresentatives: [{ ins: parent, relationship: 'guardian' }] }),
    ].join('\n');
    const sut = new BulkBatchPreparer(context(100));

    const [batch] = [...sut.push(file), ...sut.end()];

    expect(batch.valid).toBe(2);
    expect(batch.rejected).toBe(2);
    const results = batch.results.map((r) => JSON.parse(r) as BulkRowResult);
    expect(results.map((r) => [r.line, r.outcome])).toEqual([
      [1, 'opened'],
      [2, 'rejected'],
      [3, 'rejected'],
      [5, 'opened'],
    ]);
    expect(results[1].errors?.[0].field).toBe('(row)');
    expect(results[2].errors).toEqual([{ field: 'ins', reason: expect.stringContaining('key') }]);

    const rows = stagedRows(batch);
    expect(rows.map((r) => [r.ins, r.ord, r.id])).toEqual([
      [first, '0', results[0].recordId],
      [minor, '3', results[3].recordId],
    ]);
    expect(rows[0]).toMatchObject({ given_names: 'Paul\tJean', consent_place: 'campagne "hiver"', opening_channel: 'cpam-counter', opened_by_id: 'agent-1', attached_lines: null, attached_count: '0' });
    const [opened] = readBundle(rows[0].opened_line as string);
    expect(opened.key).toBe(first);
    expect(opened.headers['event-type']).toBe('enrolment.record-opened');
    expect(JSON.parse(opened.value)).toMatchObject({ correlationId: 'bulk-job-1', key: first, payload: { ins: first, channel: 'cpam-counter' } });
    const attached = readBundle(rows[1].attached_lines as string);
    expect(rows[1].attached_count).toBe('1');
    expect(attached.map((m) => [m.key, m.headers['event-type']])).toEqual([[minor, 'enrolment.dependant-attached']]);
  });

  it('refuses a CSV file without its header line', () => {
    const sut = new BulkBatchPreparer({ ...context(10), format: 'csv' });

    expect(() => sut.end()).toThrow('needs a header line');
  });
});
