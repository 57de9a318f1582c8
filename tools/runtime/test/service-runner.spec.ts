import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceInstance } from '../src/service-runner';
import { renderTable } from '../src/table';

describe(ServiceInstance.name, () => {
  it('reports a service whose build output is absent as missing, naming the file', () => {
    const root = mkdtempSync(join(tmpdir(), 'dmp-runner-'));
    const sut = new ServiceInstance(
      { service: 'analytics', index: 1, port: 3005, instanceId: 'analytics', databaseUrl: 'postgres://x/y' },
      root,
      '127.0.0.1:19092',
      0,
    );

    sut.start();

    expect(sut.state).toBe('missing');
    expect(sut.reason).toBe('dist/apps/analytics/src/main.js not found (service not written or not built)');
  });
});

describe(renderTable.name, () => {
  it('pads every column to its widest cell', () => {
    expect(renderTable(['a', 'bb'], [['ccc', 'd']])).toBe('a    bb\n---  --\nccc  d');
  });
});
