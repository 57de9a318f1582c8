import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const SIDECAR_SUFFIX = '.sha256';

/**
 * How long a sidecar that does not hold a checksum may stay unchanged before the file is taken
 * anyway (and refused by the importer, "no sha256 was delivered"): long enough for any insurer
 * still writing it, short enough that a broken delivery is reported the same day.
 */
export const STALE_SIDECAR_MS = 10 * 60_000;

const CHECKSUM = /^([0-9a-fA-F]{64})(?:\s|$)/;

export interface DroppedFile {
  /** The data file's name in the folder. */
  name: string;
  /** The sidecar's checksum (lower case), or null for a stale sidecar without one. */
  sha256: string | null;
}

/**
 * The files of a drop folder ready to import. The insurer writes `<file>`, then `<file>.sha256`
 * ("<64 hex digits>  <file>"): a sidecar marks its file complete. An insurer that writes the
 * sidecar in place (not by a rename) lets us see it empty or cut short: such a file waits for a
 * later scan until the sidecar holds 64 hex digits followed by a space or its end, or until the
 * sidecar has not changed for STALE_SIDECAR_MS.
 */
export async function readyDroppedFiles(
  dir: string,
  now: number = Date.now(),
): Promise<DroppedFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const ready: DroppedFile[] = [];
  for (const sidecarName of names) {
    if (!sidecarName.endsWith(SIDECAR_SUFFIX)) continue;
    const name = sidecarName.slice(0, -SIDECAR_SUFFIX.length);
    try {
      if (!(await stat(join(dir, name))).isFile()) continue;
      const sidecar = join(dir, sidecarName);
      const text = await readFile(sidecar, 'utf8');
      const match = CHECKSUM.exec(text.trimStart());
      if (match) {
        ready.push({ name, sha256: match[1].toLowerCase() });
      } else if (now - (await stat(sidecar)).mtimeMs >= STALE_SIDECAR_MS) {
        ready.push({ name, sha256: null });
      }
    } catch {
      continue; // the data file or its sidecar went away meanwhile (another instance took it)
    }
  }
  return ready;
}
