import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..', '..', '..');
export const importCli = join(repoRoot, 'dist/apps/reimbursements/src/import/import.cli.js');
export const generateCli = join(repoRoot, 'dist/tools/insurer-feed/src/generate.cli.js');

/** The CLIs run from dist/: build once when they are missing (`npm run build` does the same). */
export function ensureBuilt(): void {
  if (existsSync(importCli) && existsSync(generateCli)) return;
  execFileSync(process.execPath, [join(repoRoot, 'tools/build/build.mjs'), '--quiet'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}
