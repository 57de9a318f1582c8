import { randomBytes } from 'node:crypto';
import { crc32c, crc32cJs } from './crc32c';
import { WASM_WINDOW_BYTES, loadWasmCrc32c } from './crc32c-wasm';

/** Bit-by-bit CRC32C: slow and obviously right. */
function reference(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function tables(): Int32Array {
  const all = new Int32Array(256 * 16);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    all[n] = c;
  }
  for (let t = 1; t < 16; t++)
    for (let n = 0; n < 256; n++) {
      const prev = all[(t - 1) * 256 + n];
      all[t * 256 + n] = all[prev & 0xff] ^ (prev >>> 8);
    }
  return all;
}

describe('crc32c (WebAssembly and JavaScript)', () => {
  const sut = loadWasmCrc32c(tables());

  it('loads the WebAssembly version on this runtime', () => {
    expect(sut).not.toBeNull();
  });

  it('agrees with the bitwise definition on every alignment and on lengths around 16-byte steps', () => {
    const data = randomBytes(700);
    const wasm = sut as NonNullable<typeof sut>;
    for (let start = 0; start < 20; start++)
      for (let end = start; end <= data.length; end += start % 2 === 0 ? 13 : 17) {
        const expected = reference(data.subarray(start, end));
        expect((wasm.update(data, start, end, -1) ^ -1) >>> 0).toBe(expected);
        expect(crc32cJs(data, start, end)).toBe(expected);
        expect(crc32c(data, start, end)).toBe(expected);
      }
  });

  it('carries the state across its 1 MiB window for inputs larger than the window', () => {
    const data = randomBytes(2 * WASM_WINDOW_BYTES + 12_345);
    expect(crc32c(data, 3, data.length - 1)).toBe(crc32cJs(data, 3, data.length - 1));
    expect(crc32c(data.subarray(0, WASM_WINDOW_BYTES))).toBe(
      crc32cJs(data.subarray(0, WASM_WINDOW_BYTES)),
    );
  });

  it('reads a Buffer that is a view into a larger pooled ArrayBuffer at its own offset', () => {
    const pooled = Buffer.from('xxxx123456789'.repeat(40)).subarray(4);
    expect(crc32c(pooled)).toBe(reference(pooled));
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});
