// Differential harness for the x87/MMX tests: runs snippets natively (test/native) and
// on the software CPU (Guest64), loading the same FXSAVE image into both, and compares
// status, GPRs, the data area and selected FXSAVE fields.
import { runNative, defaultFxsave, NativeResult } from '../native/native';
import { assemble64 } from '../native/assemble';
import { Guest64 } from '../harness/guest64';
import { loadFxsaveImage, storeFxsaveImage } from '../../src/cpu/isa/fxsave';

export interface X87Case { code: Uint8Array; data: Uint8Array; fxsave: Uint8Array; gpr: bigint[]; name: string }

export interface CompareOpts {
  /** FSW bits compared (default: all but the pointer-related bits). */
  fswMask?: number;
  /** Compare ST registers as numbers with this relative tolerance instead of bits. */
  tolerance?: number;
  /** Data bytes compared (from 0). */
  dataBytes?: number;
  /** Compare XMM registers (MMX/SSE tests) and MXCSR. */
  xmm?: boolean;
}

export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0); };
}

export function assembleAll(src: string[]): Uint8Array[] { return assemble64(src); }

export function fxWithCw(fcw: number): Uint8Array {
  const fx = defaultFxsave();
  fx[0] = fcw & 0xff; fx[1] = fcw >> 8;
  return fx;
}

let guest: Guest64 | undefined;
const OUR_FX = new Uint8Array(512);

function statusOf(exit: number): number {
  if (exit === 0x81) return 0;
  if (exit === 0x40 + 16 || exit === 0x40 + 19) return 8;
  if (exit === 0x40 + 6) return 4;
  if (exit === 0x40 + 13 || exit === 0x40 + 14 || exit === 0x400) return 11;
  if (exit === 0x40 + 7) return 4;
  return 1000 + exit;
}

function ext80ToNumber(b: Uint8Array, o: number): number {
  const dv = new DataView(b.buffer, b.byteOffset + o, 10);
  const lo = dv.getUint32(0, true), hi = dv.getUint32(4, true), se = dv.getUint16(8, true);
  const e = se & 0x7fff;
  if (e === 0x7fff) return (hi & 0x7fffffff) === 0 && lo === 0 ? (se & 0x8000 ? -Infinity : Infinity) : NaN;
  const v = (hi * 4294967296 + lo) * 2 ** ((e === 0 ? 1 : e) - 16383 - 63);
  return se & 0x8000 ? -v : v;
}

function hex(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = n - 1; i >= 0; i--) s += b[o + i].toString(16).padStart(2, '0');
  return s;
}

/** Runs all cases both ways; returns mismatch descriptions. */
export function runX87(cases: X87Case[], opts: CompareOpts = {}): string[] {
  const nat: NativeResult[] = runNative(cases.map((k) => ({ code: k.code, gpr: k.gpr, rflags: 2n, fxsave: k.fxsave, data: k.data })));
  const g = guest ??= new Guest64();
  const out: string[] = [];
  const fswMask = opts.fswMask ?? 0xffff;
  const dataBytes = opts.dataBytes ?? 64;
  for (let i = 0; i < cases.length; i++) {
    const k = cases[i], n = nat[i];
    g.load(k.code, k.data);
    for (let r = 0; r < 16; r++) if (r !== 4) g.setReg(r, k.gpr[r]);
    loadFxsaveImage(g.cpu, k.fxsave);
    const res = g.run(100000);
    storeFxsaveImage(g.cpu, OUR_FX);
    const st = statusOf(res.exitCode);
    const why: string[] = [];
    if (st !== n.status) why.push(`status native ${n.status} ours ${st} (exit ${res.exitCode.toString(16)})`);
    else {
      const fn = n.fxsave, fo = OUR_FX;
      const fswN = (fn[2] | (fn[3] << 8)) & fswMask, fswO = (fo[2] | (fo[3] << 8)) & fswMask;
      if (fswN !== fswO) why.push(`fsw native ${fswN.toString(16)} ours ${fswO.toString(16)}`);
      if (fn[0] !== fo[0] || fn[1] !== fo[1]) why.push(`fcw native ${hex(fn, 0, 2)} ours ${hex(fo, 0, 2)}`);
      if (fn[4] !== fo[4]) why.push(`ftw native ${fn[4].toString(16)} ours ${fo[4].toString(16)}`);
      for (let r = 0; r < 8; r++) {
        if (((fn[4] >> ((((fn[3] >> 3) & 7) + r) & 7)) & 1) === 0 && !opts.xmm) continue;
        const o = 32 + 16 * r;
        if (opts.tolerance !== undefined) {
          const a = ext80ToNumber(fn, o), b = ext80ToNumber(fo, o);
          const ok = (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= opts.tolerance * Math.max(Math.abs(a), Math.abs(b));
          if (!ok) why.push(`st${r} native ${a} ours ${b}`);
        } else if (hex(fn, o, 10) !== hex(fo, o, 10)) why.push(`st${r} native ${hex(fn, o, 10)} ours ${hex(fo, o, 10)}`);
      }
      if (opts.xmm) {
        for (let o = 160; o < 416; o++) if (fn[o] !== fo[o]) { why.push(`xmm${(o - 160) >> 4} native ${hex(fn, (o & ~15), 16)} ours ${hex(fo, (o & ~15), 16)}`); break; }
        if (hex(fn, 24, 4) !== hex(fo, 24, 4)) why.push(`mxcsr native ${hex(fn, 24, 4)} ours ${hex(fo, 24, 4)}`);
      }
      for (let r = 0; r < 16; r++) if (r !== 4 && n.gpr[r] !== res.gpr[r]) why.push(`gpr${r} native ${n.gpr[r].toString(16)} ours ${res.gpr[r].toString(16)}`);
      const d = g.data();
      for (let b = 0; b < dataBytes; b++) if (d[b] !== n.data[b]) { why.push(`data@${b} native ${hex(n.data, b & ~7, 8)} ours ${hex(d, b & ~7, 8)}`); break; }
    }
    if (why.length) out.push(`${k.name}: ${why.join('; ')}`);
  }
  return out;
}

// ---- value generators

export function randF64Bits(rng: () => number, dv: DataView, off: number): void {
  const pick = rng() % 16;
  const special = [0, 0x80000000, 0x3ff00000, 0xbff00000, 0x7ff00000, 0xfff00000, 0x7ff80000, 0x00080000];
  if (pick < 3) { dv.setUint32(off, pick === 2 ? rng() : 0, true); dv.setUint32(off + 4, special[rng() % 8] | (pick === 2 ? rng() & 0xfffff : 0), true); return; }
  if (pick < 6) { dv.setFloat64(off, (rng() % 2001) - 1000, true); return; }
  if (pick < 12) { dv.setFloat64(off, ((rng() / 4294967296) - 0.5) * 2 ** ((rng() % 80) - 40), true); return; }
  dv.setUint32(off, rng(), true); dv.setUint32(off + 4, rng(), true);
}
