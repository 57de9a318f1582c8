import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Module from 'node:module';

/** The repository root (the folder holding tsconfig.base.json), from this file's location. */
export function workspaceRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'tsconfig.base.json'))) return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error(`no tsconfig.base.json above ${__dirname}`);
    dir = parent;
  }
}

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
const patchable = Module as unknown as { _resolveFilename: ResolveFilename };
let registered = false;

/**
 * Jest's globalSetup runs outside the test sandbox, so the moduleNameMapper that maps the
 * `@dmp/*` aliases does not apply there. This maps them the same way (from tsconfig.base.json)
 * for the setup and teardown code only.
 */
export function registerWorkspaceAliases(): void {
  if (registered) return;
  registered = true;
  const root = workspaceRoot();
  const paths = (JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  }).compilerOptions.paths;
  const original = patchable._resolveFilename;
  patchable._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    const target = paths[request]?.[0];
    return original.call(this, target ? join(root, target) : request, ...rest);
  };
}
