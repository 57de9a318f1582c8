import { createTestDatabase, startServiceProcess, waitFor } from '@dmp/testing';

// Built by `npm run build` (npm test runs it first).
const main = 'dist/libs/platform/test/support/reference-main.js';

describe('a service process booted by bootServiceApp', () => {
  it('stops gracefully on SIGTERM and exits with code 0', async () => {
    const sut = await startServiceProcess('reference', { DATABASE_URL: await createTestDatabase('reference_process') }, { main });

    const exit = await sut.stop();

    expect(exit).toEqual({ code: 0, signal: null });
    const messages = sut.logs.map((line) => (JSON.parse(line) as { msg?: string }).msg);
    expect(messages).toEqual(expect.arrayContaining(['service ready', 'stopping', 'stopped']));
    expect(messages.indexOf('stopping')).toBeLessThan(messages.indexOf('stopped'));
  });

  it('refuses to boot on bad configuration, naming each variable, with exit code 1', async () => {
    const sut = await startServiceProcess(
      'reference',
      { DATABASE_URL: 'mysql://nope', PORT: 'abc', LOG_LEVEL: 'chatty' },
      { main, waitForReady: false },
    );

    const exit = await sut.waitExit();

    expect(exit.code).toBe(1);
    const output = sut.logs.join('\n');
    expect(output).toContain('Invalid configuration:');
    expect(output).toContain('  - DATABASE_URL: must be a postgres://user:password@host:port/database URL');
    expect(output).toContain('  - LOG_LEVEL: must be one of debug, info, warn, error (got "chatty")');
    expect(output).toContain('  - PORT: must be an integer (got "abc")');
    expect(output).not.toContain('    at ');
  });

  it('stops at boot with a clear error when the database is unreachable', async () => {
    const sut = await startServiceProcess(
      'reference',
      // Port 1 on loopback: nothing listens, the connection is refused at once.
      { DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:1/nothing' },
      { main, waitForReady: false },
    );

    const exit = await waitFor(() => (sut.exited ? sut.waitExit() : undefined), { timeoutMs: 60_000, message: 'the process to give up' });

    expect(exit.code).toBe(1);
    expect(sut.logs.join('\n')).toMatch(/ECONNREFUSED/);
  }, 90_000);
});
