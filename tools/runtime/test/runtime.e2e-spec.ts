import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@dmp/testing';
import { SERVICES } from '../src/plan';

const root = join(__dirname, '..', '..', '..');
const runtimeMain = join(root, 'dist', 'tools', 'runtime', 'src', 'main.js');
// The service the runtime starts in this test: the first app that is built.
const service = ['enrolment', 'consent', 'reimbursements', 'documents', 'analytics'].find((name) =>
  existsSync(join(root, 'dist', 'apps', name, 'src', 'main.js')),
);

interface RuntimeRun {
  child: ChildProcess;
  output: string[];
  exit: Promise<number | null>;
}

function startRuntime(args: string[], env: Record<string, string>): RuntimeRun {
  const output: string[] = [];
  const childEnv: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env };
  const child = spawn(process.execPath, [runtimeMain, ...args], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exit };
}

async function runUntilReady(run: RuntimeRun): Promise<void> {
  await waitFor(() => run.output.some((line) => line.includes('instance(s) ready')), {
    timeoutMs: 150_000,
    intervalMs: 200,
    message: `the runtime to report readiness; output so far:\n${run.output.slice(-30).join('\n')}`,
  });
}

describe('npm start (tools/runtime)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dmp-runtime-'));
  let args: string[] = [];
  let servicePort = 0;
  const runs: RuntimeRun[] = [];

  beforeAll(async () => {
    if (!existsSync(runtimeMain) || !service) throw new Error('run `npm run build` first: dist/tools/runtime and at least one app are needed');
    const [pgPort, kafkaPort] = [await freePort(), await freePort()];
    servicePort = await freePort();
    const base = SERVICES.find((s) => s.name === service)?.port ?? 3001;
    args = ['--data-dir', dataDir, '--pg-port', String(pgPort), '--kafka-port', String(kafkaPort), '--port-offset', String(servicePort - base)];
  });

  afterAll(async () => {
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts PostgreSQL, the broker and the service, prints the table, and stops in order on Ctrl-C', async () => {
    const run = startRuntime(args, { SERVICES: service! });
    runs.push(run);

    await runUntilReady(run);
    const ready = await fetch(`http://127.0.0.1:${servicePort}/health/ready`);
    run.child.kill('SIGINT');
    const code = await run.exit;

    expect(ready.status).toBe(200);
    const text = run.output.join('\n');
    expect(text).toMatch(/PostgreSQL created in .*listening on 127\.0\.0\.1:\d+/);
    expect(text).toMatch(new RegExp(`${service}\\s+http://127\\.0\\.0\\.1:${servicePort}\\s+http://127\\.0\\.0\\.1:${servicePort}/docs\\s+\\S+/health/ready\\s+ready`));
    const order = ['stopping (SIGINT): services first', 'stopping broker', 'stopping PostgreSQL', 'runtime          | stopped'].map((marker) =>
      run.output.findIndex((line) => line.includes(marker)),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${servicePort}/health/live`)).rejects.toThrow();
  }, 200_000);

  it('finds its data again on the next start', async () => {
    const run = startRuntime(args, { SERVICES: service! });
    runs.push(run);

    await runUntilReady(run);
    run.child.kill('SIGTERM');
    const code = await run.exit;

    expect(run.output.join('\n')).toMatch(/PostgreSQL found in /);
    expect(run.output.join('\n')).not.toMatch(/created database/);
    expect(code).toBe(0);
  }, 200_000);

  it('recovers from a runtime killed with SIGKILL: the service stops itself, PostgreSQL is reused', async () => {
    const killed = startRuntime(args, { SERVICES: service! });
    runs.push(killed);
    await runUntilReady(killed);

    killed.child.kill('SIGKILL');
    await killed.exit;
    await waitFor(
      async () => {
        try {
          await fetch(`http://127.0.0.1:${servicePort}/health/live`);
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 30_000, message: 'the orphaned service to stop' },
    );
    const next = startRuntime(args, { SERVICES: service! });
    runs.push(next);
    await runUntilReady(next);
    next.child.kill('SIGTERM');
    const code = await next.exit;

    expect(next.output.join('\n')).toMatch(/PostgreSQL found running \(left by a killed run\)/);
    expect(next.output.join('\n')).toMatch(new RegExp(`${service}\\s+http\\S+\\s+\\S+\\s+\\S+\\s+ready`));
    expect(code).toBe(0);
  }, 300_000);

  it('refuses an unknown service with a usage error and exit code 2', async () => {
    const run = startRuntime(args, { SERVICES: 'billing' });
    runs.push(run);

    const code = await run.exit;

    expect(code).toBe(2);
    expect(run.output.join('\n')).toContain('SERVICES names unknown service(s) billing');
  });
});
