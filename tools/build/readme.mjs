#!/usr/bin/env node
// Assembles README.md from docs/readme/: the overview first, then each part in the order below.
// A part written as a standalone page (its first heading is level 1) is demoted one level, so
// that README.md has one title. `--check` exits 1 when README.md differs from the assembly.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const parts = [
  'overview',
  'runtime',
  'configuration',
  'embedded-kafka',
  'embedded-kafka-testing',
  'identifiers-and-events',
  'platform',
  'messaging',
  'enrolment',
  'documents',
  'documents-sources',
  'reimbursements',
  'consent',
  'analytics',
  'simulation',
];

/** Adds one `#` to every heading outside code fences. */
function demote(markdown) {
  let fence = null;
  return markdown
    .split('\n')
    .map((line) => {
      const opening = /^\s*(```+|~~~+)/.exec(line);
      if (opening) {
        if (fence === null) fence = opening[1][0];
        else if (opening[1][0] === fence) fence = null;
        return line;
      }
      return fence === null && /^#{1,5} /.test(line) ? `#${line}` : line;
    })
    .join('\n');
}

export function assembleReadme() {
  const sections = [];
  for (const part of parts) {
    let text;
    try {
      text = readFileSync(join(root, 'docs', 'readme', `${part}.md`), 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT' && part !== 'overview') continue;
      throw error;
    }
    const firstHeading = /^(#+) /m.exec(text);
    if (part !== 'overview' && firstHeading && firstHeading[1].length === 1) text = demote(text);
    // Links relative to docs/readme/ (images in docs/images/) must resolve from the root too.
    text = text.replace(/\]\(\.\.\//g, '](docs/');
    sections.push(text.trim());
  }
  return `${sections.join('\n\n')}\n`;
}

const readmePath = join(root, 'README.md');
const assembled = assembleReadme();
if (process.argv.includes('--check')) {
  if (readFileSync(readmePath, 'utf8') !== assembled) {
    console.error('README.md is not the assembly of docs/readme/: run `npm run readme`');
    process.exit(1);
  }
} else {
  writeFileSync(readmePath, assembled);
}
