// Debian's kcat (librdkafka) as an independent client. Every run is bounded: a broker bug must
// show up as a failed assertion with kcat's own diagnostics, never as a hung test.
import { ChildProcess, spawn } from 'node:child_process';
import { withTimeout } from './with-timeout';

export const kcatPath = process.env.KCAT_PATH ?? '/usr/bin/kcat';

export interface KcatResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export async function runKcat(args: string[], { input, timeoutMs = 20_000 }: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<KcatResult> {
  const running = startKcat(args);
  if (input !== undefined) running.child.stdin?.end(input);
  else running.child.stdin?.end();
  try {
    return await withTimeout(running.done, timeoutMs, `kcat ${args.join(' ')}`);
  } catch (error) {
    running.child.kill('SIGKILL');
    const partial = `\nstdout so far:\n${running.stdout()}\nstderr so far:\n${running.stderr()}`;
    throw new Error(`${(error as Error).message}${partial}`);
  }
}

export interface RunningKcat {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<KcatResult>;
  stop(): Promise<KcatResult>;
}

export function startKcat(args: string[]): RunningKcat {
  const child = spawn(kcatPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const done = new Promise<KcatResult>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      try {
        return await withTimeout(done, 10_000, 'kcat exit after SIGTERM');
      } catch {
        child.kill('SIGKILL');
        return done;
      }
    },
  };
}
