// Transpiles every TypeScript source under apps/, libs/ and tools/ to dist/ with swc (no type
// checking: `npm run typecheck` does that), copies runtime assets, and writes small shims under
// dist/node_modules/@dmp so that the path aliases of tsconfig.base.json resolve at run time.
import { transformFile } from '@swc/core';
import { readFileSync, mkdirSync, writeFileSync, copyFileSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join, dirname, relative, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist');
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
const assetExtensions = new Set(['.html', '.css', '.csv', '.json', '.svg', '.png', '.xml', '.txt']);
// Browser scripts are plain JavaScript shipped as they are, from `assets/` folders only (the
// operators' dashboard, apps/analytics/src/dashboard/assets).
const isBrowserScript = (path) => extname(path) === '.js' && path.split(/[\\/]/).includes('assets');
const skipDirs = new Set(['node_modules', 'dist', '.data', 'coverage', 'test-artifacts']);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

const isTest = (path) => /\.(spec|integration-spec|e2e-spec|test)\.ts$/.test(path);

async function main() {
  const started = Date.now();
  // dist/ is overwritten in place, not wiped: services and tests may be running from it.
  if (process.argv.includes('--clean')) rmSync(out, { recursive: true, force: true });
  const jobs = [];
  let count = 0;
  for (const top of ['apps', 'libs', 'tools']) {
    const base = join(root, top);
    try { statSync(base); } catch { continue; }
    for (const file of walk(base)) {
      const rel = relative(root, file);
      const target = join(out, rel);
      if (file.endsWith('.ts') && !file.endsWith('.d.ts') && !isTest(file)) {
        count++;
        jobs.push(
          transformFile(file, { ...swcrc, swcrc: false, filename: file, sourceFileName: relative(dirname(target), file) }).then((result) => {
            mkdirSync(dirname(target), { recursive: true });
            const js = target.replace(/\.ts$/, '.js');
            writeFileSync(js, result.code + `\n//# sourceMappingURL=${js.split('/').pop()}.map\n`);
            if (result.map) writeFileSync(js + '.map', result.map);
          }),
        );
      } else if ((assetExtensions.has(extname(file)) || isBrowserScript(file)) && !rel.endsWith('project.json') && !rel.includes('tsconfig')) {
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(file, target);
      }
    }
  }
  await Promise.all(jobs);
  const paths = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions.paths;
  for (const [alias, [entry]] of Object.entries(paths)) {
    const shimDir = join(out, 'node_modules', alias);
    mkdirSync(shimDir, { recursive: true });
    const targetJs = relative(shimDir, join(out, entry.replace(/\.ts$/, '.js')));
    writeFileSync(join(shimDir, 'index.js'), `module.exports = require(${JSON.stringify(targetJs)});\n`);
  }
  if (!process.argv.includes('--quiet')) {
    console.log(`build: ${count} files to dist/ in ${Date.now() - started} ms`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
