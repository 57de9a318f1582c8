import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker, WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running a module of this repository, given the module's own path
 * (`join(__dirname, 'x.worker' + extname(__filename))`, so it names the .js file under dist/ and the
 * .ts source under jest).
 *
 * Built code (dist/) runs as it is. Under jest the sources are TypeScript compiled on the fly by
 * @swc/jest in the test's own module registry, which a worker thread does not share: the worker
 * then compiles its TypeScript itself with the same .swcrc and maps the @dmp/* aliases of
 * tsconfig.base.json, as jest.preset.js does. @swc/core is a development dependency: the
 * TypeScript branch never runs in production.
 */
export function spawnWorkerThread(modulePath: string, options: WorkerOptions = {}): Worker {
  if (!modulePath.endsWith('.ts')) return new Worker(modulePath, options);
  const root = repositoryRoot(dirname(modulePath));
  const bootstrap = `
    const Module = require('node:module');
    const { readFileSync } = require('node:fs');
    const { join } = require('node:path');
    const swc = require('@swc/core');
    const root = ${JSON.stringify(root)};
    const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
    const paths = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions.paths;
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      const alias = paths[request];
      return resolve.call(this, alias ? join(root, alias[0]) : request, ...rest);
    };
    require.extensions['.ts'] = (module, filename) => {
      const { code } = swc.transformSync(readFileSync(filename, 'utf8'), { ...swcrc, swcrc: false, sourceMaps: false, filename });
      module._compile(code, filename);
    };
    require(${JSON.stringify(modulePath)});
  `;
  return new Worker(bootstrap, { ...options, eval: true });
}

function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.base.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no tsconfig.base.json above ${from}`);
  }
}
