import { join } from 'node:path';
import { once } from 'node:events';
import { Topics } from '@dmp/contracts';
import { spawnWorkerThread } from '@dmp/messaging';
import { murmur2 } from '../src/outbox/relay-producer';

describe(spawnWorkerThread.name, () => {
  it('runs a TypeScript module with @dmp aliases in a worker thread, with its workerData', async () => {
    const sut = spawnWorkerThread(join(__dirname, 'fixtures', 'echo.worker.ts'), { workerData: 21 });
    try {
      const [message] = (await once(sut, 'message')) as [{ doubled: number; topic: string; hash: number }];

      expect(message).toEqual({ doubled: 42, topic: Topics.RECORD_OPENED, hash: murmur2(Buffer.from('patient-1')) });
    } finally {
      await sut.terminate();
    }
  });

  it('reports a module that throws as an error of the worker', async () => {
    const sut = spawnWorkerThread(join(__dirname, 'fixtures', 'missing.worker.ts'));

    const [error] = (await once(sut, 'error')) as [Error];

    expect(error.message).toMatch(/missing\.worker/);
  });
});
