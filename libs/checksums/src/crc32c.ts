// CRC32C (Castagnoli), slicing-by-16: record batches are checksummed with it and Node has no
// native implementation. Sixteen tables in one Int32Array process 16 bytes per step. The
// broker checks the CRC of every produced batch, its largest user-space cost per produced
// byte, so inputs past a few hundred bytes go to the same algorithm compiled to WebAssembly
// (crc32c-wasm.ts, 1.6-1.9 GB per CPU-second against 0.5-1 GB for this JavaScript loop);
// short ones, and runtimes without WebAssembly, use the JavaScript loop below.
import { loadWasmCrc32c } from './crc32c-wasm';

const POLY = 0x82f63b78;

function buildTables(): Int32Array {
  const all = new Int32Array(256 * 16);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    all[n] = c;
  }
  for (let t = 1; t < 16; t++) {
    for (let n = 0; n < 256; n++) {
      const prev = all[(t - 1) * 256 + n];
      all[t * 256 + n] = all[prev & 0xff] ^ (prev >>> 8);
    }
  }
  return all;
}

const T = buildTables();
const wasm = loadWasmCrc32c(T);
/** Below this the call into WebAssembly and the copy cost more than they save. */
const WASM_MIN_BYTES = 512;

/** CRC32C of buf[start, end). */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  if (wasm !== null && end - start >= WASM_MIN_BYTES)
    return (wasm.update(buf, start, end, -1) ^ -1) >>> 0;
  return crc32cJs(buf, start, end);
}

/** The JavaScript slicing-by-16 loop (exported for the tests that compare both versions). */
export function crc32cJs(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = -1;
  let i = start;
  while (end - i >= 16) {
    const a = crc ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    crc =
      T[3840 + (a & 0xff)] ^
      T[3584 + ((a >>> 8) & 0xff)] ^
      T[3328 + ((a >>> 16) & 0xff)] ^
      T[3072 + (a >>> 24)] ^
      T[2816 + buf[i + 4]] ^
      T[2560 + buf[i + 5]] ^
      T[2304 + buf[i + 6]] ^
      T[2048 + buf[i + 7]] ^
      T[1792 + buf[i + 8]] ^
      T[1536 + buf[i + 9]] ^
      T[1280 + buf[i + 10]] ^
      T[1024 + buf[i + 11]] ^
      T[768 + buf[i + 12]] ^
      T[512 + buf[i + 13]] ^
      T[256 + buf[i + 14]] ^
      T[buf[i + 15]];
    i += 16;
  }
  while (i < end) {
    crc = T[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
    i++;
  }
  return (crc ^ -1) >>> 0;
}
