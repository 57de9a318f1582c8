// The broker as a child process started from dist/ (what `npm run broker` runs), so a test can
// kill -9 it, and the fuzzer can tell a crash (the process exits) from a refusal.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { withTimeout } from './with-timeout';

export const repoRoot = resolve(__dirname, '..', '..', '..', '..');
export const brokerCli = join(repoRoot, 'dist', 'tools', 'embedded-kafka', 'src', 'cli.js');

export interface BrokerProcess {
  bootstrap: string;
  host: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the process printed (stdout and stderr), for failure messages. */
  output(): string;
  exitCode(): number | null;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function assertBrokerBuilt(): void {
  if (!existsSync(brokerCli)) {
    throw new Error(`${brokerCli} is missing: run \`npm run build\` before the broker conformance suite`);
  }
}

const bootstrapPattern = /\b((?:\d{1,3}\.){3}\d{1,3}|localhost|\[[0-9a-f:]+\]):(\d{2,5})\b/;

export async function startBrokerProcess({
  dataDir,
  port = 0,
  extraArgs = [],
  readyTimeoutMs = 15_000,
}: {
  dataDir: string;
  port?: number;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}): Promise<BrokerProcess> {
  assertBrokerBuilt();
  const child = spawn(process.execPath, [brokerCli, '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn', ...extraArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolveExit(exit);
    });
  });
  const ready = new Promise<{ host: string; port: number }>((resolveReady, rejectReady) => {
    const onChunk = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stderr?.on('data', onChunk);
    let stdoutLines = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      onChunk(chunk);
      stdoutLines += chunk.toString('utf8');
      const lines = stdoutLines.split('\n');
      stdoutLines = lines.pop() ?? '';
      for (const line of lines) {
        const match = bootstrapPattern.exec(line);
        if (match && Number(match[2]) > 0) resolveReady({ host: match[1], port: Number(match[2]) });
      }
    });
    void exited.then((e) => rejectReady(new Error(`broker exited (${e.code ?? e.signal}) before ready:\n${output}`)));
  });
  const address = await withTimeout(ready, readyTimeoutMs, 'broker process start').catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    bootstrap: `${address.host}:${address.port}`,
    host: address.host,
    port: address.port,
    pid: child.pid ?? -1,
    child,
    output: () => output,
    exitCode: () => (exit ? (exit.code ?? -1) : null),
    exited,
    async kill(signal) {
      if (exit === null) child.kill(signal);
      await withTimeout(exited, 15_000, `broker exit after ${signal}`);
    },
  };
}
