// CRC32C slicing-by-16 as a 400-byte WebAssembly function, assembled here from its opcodes so
// the broker keeps no dependency and no binary blob. Why: checking the CRC of every produced
// batch was the broker's largest user-space cost per byte; the same table algorithm runs
// about 3x faster as WebAssembly than as JavaScript in V8 (fixed 32-bit loads, no typed-array
// bounds checks, the table number folded into each load's offset), copy into its memory
// included. Node has no native CRC32C (zlib.crc32 is the IEEE polynomial).
//
// Memory layout: the 16 tables (16 x 256 x int32) at 0, then a window the caller copies the
// bytes into. `update(ptr, len, state)` takes and returns the running (non-inverted) state,
// so long inputs are processed window by window and memory stays at a fixed 1 MiB + 16 KiB.

const TABLES_BYTES = 16 * 256 * 4;
export const WASM_WINDOW_BYTES = 1 << 20;
const PAGE = 65536;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const enum Op {
  Block = 0x02,
  Loop = 0x03,
  Br = 0x0c,
  BrIf = 0x0d,
  End = 0x0b,
  LocalGet = 0x20,
  LocalSet = 0x21,
  I32Load = 0x28,
  I32Load8U = 0x2d,
  I32Const = 0x41,
  I32GeU = 0x4f,
  I32LtU = 0x49,
  I32Add = 0x6a,
  I32Sub = 0x6b,
  I32And = 0x71,
  I32Xor = 0x73,
  I32Shl = 0x74,
  I32ShrU = 0x76,
  Void = 0x40,
  TypeI32 = 0x7f,
}

// Parameters ptr, len, state; locals end, then the four words of a 16-byte step.
const PTR = 0;
const LEN = 1;
const STATE = 2;
const END = 3;
const WORDS = [4, 5, 6, 7];

const get = (i: number): number[] => [Op.LocalGet, i];
const set = (i: number): number[] => [Op.LocalSet, i];
const i32 = (n: number): number[] => [Op.I32Const, ...sleb(n)];
/** i32.load, 4-byte alignment hint, static offset. */
const load = (offset: number): number[] => [Op.I32Load, 2, ...uleb(offset)];

/** Table `t` entry for byte `k` of `word`: T[t][(word >>> 8k) & 0xff], as a byte address. */
function lookup(word: number, k: number, t: number): number[] {
  const scaled = k === 0 ? [...i32(2), Op.I32Shl] : [...i32(8 * k - 2), Op.I32ShrU];
  return [...get(word), ...scaled, ...i32(0x3fc), Op.I32And, ...load(t * 1024)];
}

function functionBody(): number[] {
  const c: number[] = [];
  c.push(...get(PTR), ...get(LEN), Op.I32Add, ...set(END));
  // 16 bytes per step while at least 16 remain.
  c.push(Op.Block, Op.Void, Op.Loop, Op.Void);
  c.push(...get(END), ...get(PTR), Op.I32Sub, ...i32(16), Op.I32LtU, Op.BrIf, 1);
  c.push(...get(STATE), ...get(PTR), ...load(0), Op.I32Xor, ...set(WORDS[0]));
  for (let w = 1; w < 4; w++) c.push(...get(PTR), ...load(4 * w), ...set(WORDS[w]));
  for (let w = 0; w < 4; w++)
    for (let k = 0; k < 4; k++) {
      c.push(...lookup(WORDS[w], k, 15 - 4 * w - k));
      if (w > 0 || k > 0) c.push(Op.I32Xor);
    }
  c.push(...set(STATE));
  c.push(...get(PTR), ...i32(16), Op.I32Add, ...set(PTR), Op.Br, 0, Op.End, Op.End);
  // The remaining 0-15 bytes one at a time with table 0.
  c.push(Op.Block, Op.Void, Op.Loop, Op.Void);
  c.push(...get(PTR), ...get(END), Op.I32GeU, Op.BrIf, 1);
  c.push(...get(STATE), ...get(PTR), Op.I32Load8U, 0, 0, Op.I32Xor, ...i32(0xff), Op.I32And);
  c.push(...i32(2), Op.I32Shl, ...load(0), ...get(STATE), ...i32(8), Op.I32ShrU, Op.I32Xor);
  c.push(...set(STATE));
  c.push(...get(PTR), ...i32(1), Op.I32Add, ...set(PTR), Op.Br, 0, Op.End, Op.End);
  c.push(...get(STATE), Op.End);
  return [1, 5, Op.TypeI32, ...c]; // one local group: 5 x i32
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...uleb(bytes.length), ...bytes];
}

function moduleBytes(pages: number): Uint8Array {
  const name = (s: string): number[] => [s.length, ...Buffer.from(s, 'latin1')];
  const body = functionBody();
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 3, Op.TypeI32, Op.TypeI32, Op.TypeI32, 1, Op.TypeI32]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, ...uleb(pages)]),
    ...section(7, [2, ...name('update'), 0x00, 0, ...name('memory'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

export interface WasmCrc32c {
  /** Running CRC32C state after `bytes[start, end)`, from `state` (-1 to begin). */
  update(bytes: Uint8Array, start: number, end: number, state: number): number;
}

/**
 * The part of the WebAssembly JS API used here. Declared locally: the project compiles without
 * the DOM library, and @types/node does not declare the WebAssembly global.
 */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/** Instantiates the module with `tables` (16 x 256 slicing tables); null without WebAssembly. */
export function loadWasmCrc32c(tables: Int32Array): WasmCrc32c | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) return null;
  try {
    const pages = Math.ceil((TABLES_BYTES + WASM_WINDOW_BYTES) / PAGE);
    const instance = new api.Instance(new api.Module(moduleBytes(pages)));
    const memory = instance.exports.memory as { buffer: ArrayBuffer };
    const run = instance.exports.update as (ptr: number, len: number, state: number) => number;
    new Int32Array(memory.buffer, 0, tables.length).set(tables);
    // The memory never grows, so this view stays valid.
    const window = new Uint8Array(memory.buffer, TABLES_BYTES, WASM_WINDOW_BYTES);
    return {
      update(bytes, start, end, state) {
        let crc = state;
        for (let at = start; at < end; at += WASM_WINDOW_BYTES) {
          const stop = Math.min(end, at + WASM_WINDOW_BYTES);
          window.set(bytes.subarray(at, stop));
          crc = run(TABLES_BYTES, stop - at, crc);
        }
        return crc;
      },
    };
  } catch {
    // A runtime that forbids WebAssembly (--jitless): the JavaScript version does the work.
    return null;
  }
}
