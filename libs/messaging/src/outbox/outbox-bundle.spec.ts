import { createEvent, HeartbeatEvent, HeartbeatPayload } from '@dmp/contracts';
import { eventHeaders } from '../kafka/event-message';
import { bundleLine, readBundle } from './outbox-bundle';

function anEvent(key: string, instance: string) {
  const payload = Object.assign(new HeartbeatPayload(), {
    service: 'bundle-test',
    instance,
    version: '1',
    startedAt: '2026-01-01T00:00:00.000Z',
    ready: true,
    uptimeSeconds: 1,
  });
  return createEvent(HeartbeatEvent, payload, { producer: 'bundle-test', correlationId: 'c-1', key });
}

describe('outbox bundles', () => {
  it('reads back each message of a bundle in order: key, headers and the envelope JSON as value', () => {
    const events = [anEvent('patient-1', 'a'), anEvent('patient-2', 'b'), anEvent('patient-1', 'c')];

    const sut = readBundle(events.map(bundleLine).join('\n'));

    expect(sut).toEqual(
      events.map((e) => ({ key: e.key, headers: eventHeaders(e), value: JSON.stringify(e) })),
    );
  });

  it('keeps newlines, tabs and quotes inside values on one line', () => {
    const event = anEvent('patient\t1', 'line one\nline two\t"quoted"');

    const line = bundleLine(event);
    const [sut] = readBundle(line);

    expect(line).not.toMatch(/\n/);
    expect(sut.key).toBe('patient\t1');
    expect(JSON.parse(sut.value)).toMatchObject({ payload: { instance: 'line one\nline two\t"quoted"' } });
  });

  it('refuses a line without its three fields', () => {
    expect(() => readBundle('"k"\t{}')).toThrow('malformed outbox bundle line at offset 0');
  });
});
