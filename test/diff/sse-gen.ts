// Case generators for the SSE differential tests: XMM lanes full of edge floats (zeros of
// both signs, infinities, QNaN/SNaN with payloads, denormals, extremes, near-equal
// normals) or edge integers, random MXCSR rounding/DAZ/FTZ, and memory operands at RSI.
import { assemble64 } from '../native/assemble';
import { defaultFxsave } from '../native/native';
import { makeRng, randomGprs, randomFlags, runDiff, type DiffCase, type DiffOptions } from './diff';

export type Kind = 'ps' | 'pd' | 'int';
export const RSI_DATA = 0x10000100n, RDI_DATA = 0x10000400n;

function u32(rng: () => number): number { return Math.floor(rng() * 0x100000000) >>> 0; }

/** One f32 lane as bits. */
export function edgeF32(rng: () => number): number {
  const s = rng() < 0.5 ? 0x80000000 : 0;
  const r = rng();
  let m = u32(rng) & 0x7fffff;
  if (r < 0.06) return s;
  if (r < 0.10) return (s | 0x7f800000) >>> 0;
  if (r < 0.15) return (s | 0x7fc00000 | (m & 0x3fffff)) >>> 0; // QNaN
  if (r < 0.19) return (s | 0x7f800000 | (m & 0x3fffff) | 1) >>> 0; // SNaN
  if (r < 0.26) return (s | m) >>> 0; // denormal
  if (r < 0.30) return (s | [0x7f7fffff, 0x00800000, 0x3f800000, 0x7f000000, 0x00800001][Math.floor(rng() * 5)]) >>> 0;
  if (r < 0.36) m &= 0x7f0000; // few significand bits: exact results
  const e = r < 0.85 ? 124 + Math.floor(rng() * 8) : 1 + Math.floor(rng() * 253);
  return (s | (e << 23) | m) >>> 0;
}
/** One f64 lane as [lo, hi]. */
export function edgeF64(rng: () => number): [number, number] {
  const s = rng() < 0.5 ? 0x80000000 : 0;
  const r = rng();
  let lo = u32(rng), mh = u32(rng) & 0xfffff;
  if (r < 0.06) return [0, s];
  if (r < 0.10) return [0, (s | 0x7ff00000) >>> 0];
  if (r < 0.15) return [lo, (s | 0x7ff80000 | (mh & 0x7ffff)) >>> 0];
  if (r < 0.19) return [lo | 1, (s | 0x7ff00000 | (mh & 0x7ffff)) >>> 0];
  if (r < 0.26) return [lo, (s | mh) >>> 0];
  if (r < 0.30) {
    const k = Math.floor(rng() * 4);
    return k === 0 ? [0xffffffff, (s | 0x7fefffff) >>> 0] : k === 1 ? [0, (s | 0x00100000) >>> 0] : k === 2 ? [0, (s | 0x3ff00000) >>> 0] : [0, (s | 0x47efffff) >>> 0];
  }
  if (r < 0.36) { lo = 0; mh &= 0xff000; }
  // Exponents around 1.0, around the f32 range limits (for CVTSD2SS), or anywhere.
  const e = r < 0.75 ? 1020 + Math.floor(rng() * 8) : r < 0.85 ? [1023 - 126, 1023 - 149, 1023 + 127, 1023 + 31, 1023 + 63][Math.floor(rng() * 5)] + Math.floor(rng() * 3) - 1 : 1 + Math.floor(rng() * 2045);
  return [lo, (s | (e << 20) | mh) >>> 0];
}
const INT_EDGES = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x00ff00ff, 0x80808080];
export function edgeInt32(rng: () => number): number {
  const r = rng();
  if (r < 0.3) return INT_EDGES[Math.floor(rng() * INT_EDGES.length)];
  if (r < 0.45) return (u32(rng) & 0x01010101) * [0x7f, 0x80, 0xff, 1][Math.floor(rng() * 4)] >>> 0;
  return u32(rng);
}
/** Fill 16 bytes at `off` with lanes of `kind`. */
export function fillLanes(dv: DataView, off: number, kind: Kind, rng: () => number): void {
  for (let k = 0; k < 4; k++) {
    if (kind === 'pd' && (k & 1) === 0) {
      const [lo, hi] = edgeF64(rng);
      dv.setUint32(off + 4 * k, lo, true); dv.setUint32(off + 4 * k + 4, hi, true); k++;
    } else dv.setUint32(off + 4 * k, kind === 'ps' ? edgeF32(rng) : edgeInt32(rng), true);
  }
}

export function randomMxcsr(rng: () => number, mode: 'default' | 'mixed' | 'unmasked'): number {
  if (mode === 'default' || (mode === 'mixed' && rng() < 0.6)) return 0x1f80;
  let m = 0x1f80 | (Math.floor(rng() * 4) << 13);
  if (rng() < 0.3) m |= 0x40; // DAZ
  if (rng() < 0.3) m |= 0x8000; // FTZ
  if (mode === 'unmasked') m &= ~(1 << (7 + Math.floor(rng() * 6)));
  return m;
}

export interface FormSet { forms: string[]; kind: Kind; perForm: number; mxcsr?: 'default' | 'mixed' | 'unmasked'; seed: number }

const pools = new Map<string, Uint8Array[]>();
function dataPool(kind: Kind, seed: number): Uint8Array[] {
  const key = `${kind}:${seed}`;
  let p = pools.get(key);
  if (!p) {
    const rng = makeRng(seed * 7 + 3);
    p = [];
    for (let i = 0; i < 24; i++) {
      const d = new Uint8Array(65536);
      const dv = new DataView(d.buffer);
      for (let o = 0x100; o < 0x600; o += 16) fillLanes(dv, o, kind, rng);
      p.push(d);
    }
    pools.set(key, p);
  }
  return p;
}

/** Build differential cases for every form of the set. */
export function buildCases(set: FormSet): DiffCase[] {
  const codes = assemble64(set.forms);
  const rng = makeRng(set.seed);
  const pool = dataPool(set.kind, set.seed);
  const cases: DiffCase[] = [];
  for (let i = 0; i < codes.length; i++) {
    for (let n = 0; n < set.perForm; n++) {
      const fx = defaultFxsave();
      const dv = new DataView(fx.buffer);
      for (let r = 0; r < 16; r++) fillLanes(dv, 160 + 16 * r, set.kind, rng);
      dv.setUint32(24, randomMxcsr(rng, set.mxcsr ?? 'default'), true);
      const gpr = randomGprs(rng);
      gpr[6] = RSI_DATA; gpr[7] = RDI_DATA;
      cases.push({ code: codes[i], gpr, rflags: randomFlags(rng), fxsave: fx, data: pool[Math.floor(rng() * pool.length)], label: set.forms[i] });
    }
  }
  return cases;
}

/** Run the sets; returns [total cases, mismatches]. */
export function runSets(sets: FormSet[], opts: DiffOptions = {}): { total: number; mismatches: string[] } {
  let total = 0;
  const mismatches: string[] = [];
  for (const s of sets) {
    const r = runDiff(buildCases(s), { compareXmm: true, ...opts });
    total += r.total;
    mismatches.push(...r.mismatches);
  }
  return { total, mismatches };
}

/** Register and memory forms of `op xmmA, src` for each mnemonic. */
export function xmmForms(ops: string[], mem = '[rsi+16]', suffix = ''): string[] {
  const out: string[] = [];
  for (const op of ops) {
    out.push(`${op} xmm1, xmm2${suffix}`, `${op} xmm9, xmm14${suffix}`, `${op} xmm3, xmm3${suffix}`, `${op} xmm12, ${mem}${suffix}`);
  }
  return out;
}
