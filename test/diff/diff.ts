// Differential testing against the host CPU: the same snippet runs natively
// (test/native) and on our CPU under VMRUN (test/harness/guest64), then every GPR,
// the defined RFLAGS bits, optionally XMM/x87 state and the data area are compared.
import { runNative, defaultFxsave, SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP, type NativeResult } from '../native/native';
import { Guest64, DATA_SIZE } from '../harness/guest64';
import { RSP } from '../../src/cpu/regs';

export interface DiffCase {
  code: Uint8Array;
  gpr: bigint[];
  rflags: bigint;
  data?: Uint8Array;
  fxsave?: Uint8Array;
  /** Shown in mismatch reports (e.g. the assembly text). */
  label?: string;
}
export interface DiffOptions {
  /** RFLAGS bits compared (default CF PF AF ZF SF OF DF). */
  flagsMask?: bigint;
  compareXmm?: boolean;
  compareX87?: boolean;
  compareData?: boolean;
  /** GPRs not compared (e.g. registers holding undefined results). */
  ignoreGpr?: number[];
}
export interface DiffReport { total: number; mismatches: string[] }

export const DEFAULT_FLAGS = 0xcd5n;
const REG_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Exception vector our CPU should report for a native signal. */
function vectorsForSignal(sig: number): number[] {
  switch (sig) {
    case SIGFPE: return [0, 16, 19];
    case SIGILL: return [6];
    case SIGSEGV: case SIGBUS: return [13, 14, 12, 17];
    case SIGTRAP: return [1, 3];
    default: return [];
  }
}

type FxHooks = { load(c: unknown, img: Uint8Array): void; store(c: unknown, out: Uint8Array): void };
let fxHooks: FxHooks | null | undefined;
function fx(): FxHooks | null {
  if (fxHooks === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const m = require('../../src/cpu/isa/fxsave');
      fxHooks = { load: m.loadFxsaveImage, store: m.storeFxsaveImage };
    } catch {
      fxHooks = null;
    }
  }
  return fxHooks;
}

function loadSimdState(g: Guest64, img: Uint8Array): void {
  const h = fx();
  if (h) return h.load(g.cpu, img);
  const dv = new DataView(img.buffer, img.byteOffset, 512);
  for (let i = 0; i < 64; i++) g.cpu.xmm[i] = dv.getInt32(160 + 4 * i, true);
  g.cpu.mxcsr = dv.getUint32(24, true) & 0xffff;
}
function storeSimdState(g: Guest64): Uint8Array {
  const out = new Uint8Array(512);
  const h = fx();
  if (h) { h.store(g.cpu, out); return out; }
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 64; i++) dv.setInt32(160 + 4 * i, g.cpu.xmm[i], true);
  dv.setUint32(24, g.cpu.mxcsr, true);
  return out;
}

const hex = (v: bigint) => '0x' + v.toString(16);
function describe(c: DiffCase): string {
  return `${c.label ?? ''} [${Array.from(c.code, (b) => b.toString(16).padStart(2, '0')).join(' ')}] ` +
    c.gpr.map((v, i) => (v !== 0n ? `${REG_NAMES[i]}=${hex(v)}` : '')).filter(Boolean).join(' ') + ` rflags=${hex(c.rflags)}`;
}

/** Run one case on our CPU; returns the exit code and fills the comparison fields. */
export function runOurs(g: Guest64, c: DiffCase): { exitCode: number; gpr: BigUint64Array; rflags: bigint; fxsave: Uint8Array; data: Uint8Array } {
  g.load(c.code, c.data);
  for (let r = 0; r < 16; r++) g.setReg(r, c.gpr[r] ?? 0n);
  g.setRflags((c.rflags & DEFAULT_FLAGS) | 2n);
  loadSimdState(g, c.fxsave ?? defaultFxsave());
  const r = g.run(1_000_000);
  return { exitCode: r.exitCode, gpr: r.gpr, rflags: r.rflags, fxsave: storeSimdState(g), data: g.data() };
}

export function compareOne(c: DiffCase, n: NativeResult, o: ReturnType<typeof runOurs>, opts: DiffOptions): string | null {
  const diffs: string[] = [];
  if (n.status !== 0) {
    const vec = o.exitCode - 0x40;
    if (!vectorsForSignal(n.status).includes(vec)) diffs.push(`native signal ${n.status}, ours exit 0x${o.exitCode.toString(16)}`);
    return diffs.length ? `${describe(c)}: ${diffs.join('; ')}` : null;
  }
  if (o.exitCode !== 0x81) return `${describe(c)}: native completed, ours exit 0x${(o.exitCode >>> 0).toString(16)}`;
  const ignore = opts.ignoreGpr ?? [];
  for (let r = 0; r < 16; r++) {
    if (ignore.includes(r)) continue;
    if (n.gpr[r] !== o.gpr[r]) diffs.push(`${REG_NAMES[r]} native ${hex(n.gpr[r])} ours ${hex(o.gpr[r])}`);
  }
  const fm = opts.flagsMask ?? DEFAULT_FLAGS;
  if ((n.rflags & fm) !== (o.rflags & fm)) diffs.push(`rflags native ${hex(n.rflags & fm)} ours ${hex(o.rflags & fm)}`);
  if (opts.compareXmm) {
    for (let i = 0; i < 16; i++) {
      const a = Buffer.from(n.fxsave.subarray(160 + 16 * i, 176 + 16 * i)).toString('hex');
      const b = Buffer.from(o.fxsave.subarray(160 + 16 * i, 176 + 16 * i)).toString('hex');
      if (a !== b) diffs.push(`xmm${i} native ${a} ours ${b}`);
    }
    const ma = n.fxsave[24] | (n.fxsave[25] << 8), mb = o.fxsave[24] | (o.fxsave[25] << 8);
    if (ma !== mb) diffs.push(`mxcsr native ${ma.toString(16)} ours ${mb.toString(16)}`);
  }
  if (opts.compareX87) {
    for (const [name, off, len] of [['fcw', 0, 2], ['fsw', 2, 2], ['ftw', 4, 1]] as const) {
      const a = Buffer.from(n.fxsave.subarray(off, off + len)).toString('hex');
      const b = Buffer.from(o.fxsave.subarray(off, off + len)).toString('hex');
      if (a !== b) diffs.push(`${name} native ${a} ours ${b}`);
    }
    for (let i = 0; i < 8; i++) {
      const a = Buffer.from(n.fxsave.subarray(32 + 16 * i, 42 + 16 * i)).toString('hex');
      const b = Buffer.from(o.fxsave.subarray(32 + 16 * i, 42 + 16 * i)).toString('hex');
      if (a !== b) diffs.push(`st${i} native ${a} ours ${b}`);
    }
  }
  if (opts.compareData !== false && Buffer.compare(n.data, o.data.subarray(0, DATA_SIZE)) !== 0) {
    for (let i = 0; i < DATA_SIZE; i++) {
      if (n.data[i] !== o.data[i]) {
        diffs.push(`data[+0x${i.toString(16)}] native ${n.data[i]} ours ${o.data[i]}`);
        break;
      }
    }
  }
  return diffs.length ? `${describe(c)}: ${diffs.join('; ')}` : null;
}

/** Run every case natively and on our CPU; report the first mismatches (at most 20 described). */
export function runDiff(cases: DiffCase[], opts: DiffOptions = {}): DiffReport {
  const g = new Guest64();
  const mismatches: string[] = [];
  const byLabel = new Map<string, number>();
  let failures = 0;
  const CHUNK = 2000;
  for (let i = 0; i < cases.length; i += CHUNK) {
    const batch = cases.slice(i, i + CHUNK);
    const native = runNative(batch.map((c) => ({ code: c.code, gpr: c.gpr, rflags: c.rflags, fxsave: c.fxsave, data: c.data })));
    for (let j = 0; j < batch.length; j++) {
      // Every fourth case runs through compiled blocks (jit/blocks.ts) from its first instruction.
      g.cpu.dcache.hotThreshold = (i + j) % 4 === 3 ? 1 : 40;
      const m = compareOne(batch[j], native[j], runOurs(g, batch[j]), opts);
      if (m) {
        failures++;
        const l = batch[j].label ?? '(unlabelled)';
        byLabel.set(l, (byLabel.get(l) ?? 0) + 1);
        if (mismatches.length < 20) mismatches.push(m);
      }
    }
  }
  if (failures > mismatches.length) mismatches.push(`... ${failures - mismatches.length} more mismatches`);
  if (failures > 0) mismatches.push('mismatches by case label: ' + [...byLabel].map(([l, n]) => `${JSON.stringify(l)} x${n}`).join(', '));
  return { total: cases.length, mismatches };
}

/**
 * runDiff, comparing the data area only for cases whose label shows a memory operand
 * ('[' in the assembly text); register-only cases skip that comparison.
 */
export function runDiffByOperand(cases: DiffCase[], flagsMask: bigint): DiffReport {
  const mem = cases.filter((c) => (c.label ?? '').includes('['));
  const reg = cases.filter((c) => !(c.label ?? '').includes('['));
  const a = runDiff(mem, { flagsMask });
  const b = runDiff(reg, { flagsMask, compareData: false });
  return { total: a.total + b.total, mismatches: [...a.mismatches, ...b.mismatches] };
}

// ---- Operand generators.

/** Deterministic PRNG (xorshift32) so failures reproduce. */
export function makeRng(seed: number): () => number {
  let s = seed | 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}
const EDGES = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen];
/** A 64-bit value: an edge value a third of the time, else random bits of random width. */
export function edgeRandom64(rng: () => number): bigint {
  const r = rng();
  if (r < 0.33) return EDGES[Math.floor(rng() * EDGES.length)];
  const v = (BigInt(Math.floor(rng() * 0x100000000)) << 32n) | BigInt(Math.floor(rng() * 0x100000000));
  const width = [8n, 16n, 32n, 64n][Math.floor(rng() * 4)];
  return width === 64n ? v : v & ((1n << width) - 1n);
}
/** Random register file with RSP inside the data area (so PUSH/POP work) and RSI/RDI pointing at data. */
export function randomGprs(rng: () => number): bigint[] {
  const g: bigint[] = [];
  for (let r = 0; r < 16; r++) g.push(edgeRandom64(rng));
  g[RSP] = 0x10008000n;
  return g;
}
export function randomFlags(rng: () => number): bigint {
  return BigInt(Math.floor(rng() * 0x10000)) & DEFAULT_FLAGS & ~0x400n;
}
