import './kafkajs-idle-loop.fix';

// The internal module patched; its constructor needs only these options for the test.
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: unknown) => {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};

function aQueue(): InstanceType<typeof RequestQueue> {
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  return new RequestQueue({
    instrumentationEmitter: null,
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger,
    isConnected: () => true,
  });
}

describe('kafkajs idle loop fix', () => {
  it('arms no timer when nothing is pending and the broker is not throttling', () => {
    const sut = aQueue();

    sut.scheduleCheckPendingRequests();

    expect(sut.throttleCheckTimeoutId).toBeNull();
    sut.destroy();
  });

  it('still schedules a check for pending requests', () => {
    const sut = aQueue();
    sut.pending.push({});

    sut.scheduleCheckPendingRequests();

    expect(sut.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(sut.throttleCheckTimeoutId as NodeJS.Timeout);
    sut.pending.length = 0;
    sut.destroy();
  });

  it('still schedules a check for the end of a throttle', () => {
    const sut = aQueue();
    sut.throttledUntil = Date.now() + 60_000;

    sut.scheduleCheckPendingRequests();

    expect(sut.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(sut.throttleCheckTimeoutId as NodeJS.Timeout);
    sut.destroy();
  });
});
