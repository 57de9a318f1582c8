import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FeedHeader, FEED_COLUMN_HEADER, parseFeedHeader } from '../feed/feed-format';

const READ_CHUNK = 1 << 20;
const LF = 0x0a;

export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * The decompressed content of a feed file from a content offset. A plain file is read from that
 * byte on; a gzip stream cannot seek, so it is inflated from the start and the bytes before the
 * offset are dropped (a resume of a compressed file costs a re-inflate, never a re-import).
 */
export async function* readFeedContent(path: string, fromOffset: number): AsyncGenerator<Buffer> {
  if (!(await isGzipFile(path))) {
    for await (const chunk of createReadStream(path, {
      start: fromOffset,
      highWaterMark: READ_CHUNK,
    }))
      yield chunk as Buffer;
    return;
  }
  let skip = fromOffset;
  const inflated: Readable = createReadStream(path, { highWaterMark: READ_CHUNK }).pipe(
    createGunzip({ chunkSize: 256 * 1024 }),
  );
  for await (const raw of inflated) {
    let chunk = raw as Buffer;
    if (skip > 0) {
      if (chunk.length <= skip) {
        skip -= chunk.length;
        continue;
      }
      chunk = chunk.subarray(skip);
      skip = 0;
    }
    yield chunk;
  }
}

export interface FeedVerification {
  sha256: string;
  /** Data lines (the two header lines excluded). */
  dataLines: number;
  sizeBytes: number;
  header: FeedHeader | null;
  headerError: string | null;
  /** Content offset of the first data line. */
  dataOffset: number;
}

/**
 * One streaming pass before anything is written: the sha256 of the file as delivered and the
 * number of data lines. A file whose checksum or count does not match is refused whole, so
 * refusing never has anything to undo. Costs a sequential read (and an inflate for gzip), a few
 * percent of the import.
 */
export async function verifyFeedFile(path: string): Promise<FeedVerification> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const gzip = await isGzipFile(path);
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK });
  raw.on('data', (chunk) => {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  });
  const content: AsyncIterable<Buffer> = gzip
    ? raw.pipe(createGunzip({ chunkSize: 256 * 1024 }))
    : raw;
  let newlines = 0;
  let lastByte = LF;
  let headBytes: Buffer[] = [];
  let headLength = 0;
  let headDone = false;
  let total = 0;
  for await (const chunk of content) {
    let pos = chunk.indexOf(LF);
    while (pos >= 0) {
      newlines++;
      pos = chunk.indexOf(LF, pos + 1);
    }
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
    if (!headDone) {
      headBytes.push(chunk);
      headLength += chunk.length;
      if (newlines >= 2 || headLength > 64 * 1024) headDone = true;
    }
    total += chunk.length;
  }
  const lineCount = newlines + (total > 0 && lastByte !== LF ? 1 : 0);
  const head = Buffer.concat(headBytes).toString('utf8');
  headBytes = [];
  const firstBreak = head.indexOf('\n');
  const secondBreak = firstBreak < 0 ? -1 : head.indexOf('\n', firstBreak + 1);
  let header: FeedHeader | null = null;
  let headerError: string | null = null;
  if (secondBreak < 0) {
    headerError = 'the file must start with the feed header line and the column header line';
  } else {
    const parsed = parseFeedHeader(head.slice(0, firstBreak));
    const columns = head.slice(firstBreak + 1, secondBreak).replace(/\r$/, '');
    if (!parsed.ok) headerError = parsed.reason;
    else if (columns !== FEED_COLUMN_HEADER)
      headerError = `the second line must be the column header ${FEED_COLUMN_HEADER}`;
    else header = parsed.header;
  }
  const dataOffset =
    secondBreak < 0 ? 0 : Buffer.byteLength(head.slice(0, secondBreak + 1), 'utf8');
  return {
    sha256: hash.digest('hex'),
    dataLines: Math.max(0, lineCount - 2),
    sizeBytes,
    header,
    headerError,
    dataOffset,
  };
}

/** Reads `<file>.sha256` (sha256sum format) when the insurer delivered one. */
export async function readSidecarChecksum(path: string): Promise<string | null> {
  try {
    const text = await readFile(`${path}.sha256`, 'utf8');
    const match = /^([0-9a-fA-F]{64})\b/.exec(text.trim());
    return match ? match[1].toLowerCase() : null;
  } catch {
    return null;
  }
}
