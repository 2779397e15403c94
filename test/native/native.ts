// Runs x86-64 snippets on the host CPU through test/native/runner.c, for
// differential tests against the software CPU. Linux x86-64 hosts only.
//
// A snippet runs at CODE_VA in user mode with all 16 GPRs, CF PF AF ZF SF DF OF
// and the FXSAVE image loaded; the data area (DATA_VA, 64 KiB, RW) is the only
// other memory it should touch. status is 0 or the signal that stopped it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const CODE_VA = 0x20000000, DATA_VA = 0x10000000, DATA_SIZE = 65536;
export const MAX_CODE = 4096;
/** Status value reported when the runner's watchdog stopped a looping snippet. */
export const STATUS_TIMEOUT = 26; // SIGVTALRM
export const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;
/** Status when the snippet made a system call (seccomp stops it unexecuted). */
export const SIGSYS = 31;
/** True where the native runner can work at all. */
export const nativeSupported = process.platform === 'linux' && process.arch === 'x64';
/** RFLAGS bits the runner takes from the input: CF PF AF ZF SF DF OF. */
export const RFLAGS_IN_MASK = 0xcd5n;

export interface NativeCase {
  code: Uint8Array;
  gpr: BigUint64Array /* 16 */ | bigint[];
  rflags: bigint;
  fxsave?: Uint8Array /* 512 */;
  data?: Uint8Array /* 65536, default zeros */;
}

export interface NativeResult {
  status: number;      // 0 = ran to the end, else signal number
  faultAddr: bigint;   // si_addr for SIGSEGV/SIGBUS, else 0
  gpr: BigUint64Array; // at the end, or at the faulting instruction
  rflags: bigint;      // raw: also IF (0x200), bit 1, and RF on faults
  fxsave: Uint8Array;  // bytes 464..511 zeroed
  data: Uint8Array;    // built on first access
  /** 1 KiB data blocks (bit i = DATA_VA + i*1024) whose content changed. */
  dirtyBlocks: bigint;
}

// Cases per runner invocation; a chunk also ends once its input passes CHUNK_BYTES.
const CHUNK = 5000, CHUNK_BYTES = 64 << 20;
// Compact wire format (runner -c): data travels as 1 KiB blocks plus a u64 mask.
const BLK = 1024, NBLK = DATA_SIZE / BLK;
const IN_FIXED = 4 + 128 + 8 + 512 + 8;
const OUT_FIXED = 4 + 8 + 128 + 8 + 512 + 8;
const ZERO_BLK = Buffer.alloc(BLK);

/** FXSAVE image with FCW=0x37F, MXCSR=0x1F80, everything else 0. */
export function defaultFxsave(): Uint8Array {
  const fx = new Uint8Array(512);
  const dv = new DataView(fx.buffer);
  dv.setUint16(0, 0x37f, true);
  dv.setUint32(24, 0x1f80, true);
  return fx;
}

let root: string | undefined;
/** Repository root: first ancestor of this file holding package.json. */
export function repoRoot(): string {
  if (root) return root;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`native: no package.json above ${__dirname}`);
    dir = up;
  }
  return (root = dir);
}

export function buildDir(): string {
  const dir = join(repoRoot(), 'test', 'native', 'build');
  mkdirSync(dir, { recursive: true });
  return dir;
}

let runnerChecked: string | undefined;
/** Path of the runner binary; (re)builds it if missing or older than runner.c. */
export function runnerPath(): string {
  if (runnerChecked) return runnerChecked;
  const src = join(repoRoot(), 'test', 'native', 'runner.c');
  const bin = join(buildDir(), 'runner');
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    // Build under a temporary name, then rename: concurrent test files may race.
    const tmp = `${bin}.${process.pid}.tmp`;
    execFileSync('gcc', ['-O2', '-o', tmp, src], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, bin);
  }
  return (runnerChecked = bin);
}

/** Runs every case natively (one runner process per chunk of cases). */
export function runNative(cases: NativeCase[]): NativeResult[] {
  const out: NativeResult[] = [];
  runNativeEach(cases, (r) => { out.push(r); });
  return out;
}

/** Like runNative but hands results over one by one, so huge batches need not be retained. */
export function runNativeEach(cases: NativeCase[], onResult: (r: NativeResult, index: number) => void): void {
  const bin = runnerPath();
  for (let start = 0; start < cases.length;) {
    const { input, count } = encode(cases, start);
    const r = spawnSync(bin, ['-c'], {
      input, maxBuffer: count * (OUT_FIXED + DATA_SIZE) + 1024, stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (r.error) throw new Error(`native runner: ${r.error.message}`);
    const out = r.stdout as Buffer;
    let o = 0, done = 0;
    for (; done < count && o + OUT_FIXED <= out.length; done++) {
      const res = decode(out, o, cases[start + done]);
      if (!res) break;
      o = res.next;
      onResult(res.result, start + done);
    }
    if (r.status !== 0 || done !== count || o !== out.length) {
      const why = r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
      throw new Error(`native runner ${why} after ${done} of ${count} cases (batch offset ${start}): ` +
        `${String(r.stderr).trim() || 'bad output'}`);
    }
    start += count;
  }
}

/** Encodes cases from `start` on until the chunk is full. */
function encode(cases: NativeCase[], start: number): { input: Buffer; count: number } {
  const masks: number[][] = [];
  let size = 0, n = 0;
  for (; start + n < cases.length && n < CHUNK && size < CHUNK_BYTES; n++) {
    const c = cases[start + n];
    const mask = check(c, start + n);
    masks.push(mask);
    size += IN_FIXED + c.code.length + (popcount(mask[0]) + popcount(mask[1])) * BLK;
  }
  const buf = Buffer.allocUnsafe(size);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = cases[start + i];
    o = buf.writeUInt32LE(c.code.length, o);
    buf.set(c.code, o); o += c.code.length;
    for (let r = 0; r < 16; r++) o = buf.writeBigUInt64LE(BigInt.asUintN(64, c.gpr[r]), o);
    o = buf.writeBigUInt64LE(BigInt.asUintN(64, c.rflags), o);
    buf.set(c.fxsave ?? DEFAULT_FX, o); o += 512;
    const [lo, hi] = masks[i];
    o = buf.writeUInt32LE(lo, o);
    o = buf.writeUInt32LE(hi, o);
    for (let b = 0; (lo | hi) && b < NBLK; b++) {
      if (bit(lo, hi, b)) { buf.set(c.data!.subarray(b * BLK, (b + 1) * BLK), o); o += BLK; }
    }
  }
  return { input: buf, count: n };
}

/** Validates a case; returns the [lo, hi] mask of its non-zero 1 KiB data blocks. */
function check(c: NativeCase, index: number): number[] {
  const where = `native case ${index}`;
  if (c.code.length > MAX_CODE) throw new Error(`${where}: code is ${c.code.length} bytes (max ${MAX_CODE})`);
  if (c.gpr.length !== 16) throw new Error(`${where}: gpr needs 16 entries`);
  if (c.fxsave && c.fxsave.length !== 512) throw new Error(`${where}: fxsave must be 512 bytes`);
  if (!c.data) return [0, 0];
  if (c.data.length !== DATA_SIZE) throw new Error(`${where}: data must be ${DATA_SIZE} bytes`);
  const mask = [0, 0];
  for (let b = 0; b < NBLK; b++) {
    if (ZERO_BLK.compare(c.data, b * BLK, (b + 1) * BLK) !== 0) mask[b >> 5] |= 1 << (b & 31);
  }
  return mask.map((m) => m >>> 0);
}

function popcount(m: number): number {
  let n = 0;
  for (; m; m >>>= 1) n += m & 1;
  return n;
}

function bit(lo: number, hi: number, b: number): boolean {
  return (((b < 32 ? lo : hi) >>> (b & 31)) & 1) !== 0;
}

const DEFAULT_FX = defaultFxsave();

/** A result whose data area is built on first access (input data + changed blocks). */
class Result implements NativeResult {
  private built?: Uint8Array;
  constructor(
    readonly status: number, readonly faultAddr: bigint, readonly gpr: BigUint64Array, readonly rflags: bigint,
    readonly fxsave: Uint8Array, readonly dirtyBlocks: bigint,
    private base: Uint8Array | undefined, private blocks: Uint8Array,
  ) {}
  get data(): Uint8Array {
    if (this.built) return this.built;
    const d = this.base ? new Uint8Array(this.base) : new Uint8Array(DATA_SIZE);
    let k = 0;
    const lo = Number(this.dirtyBlocks & 0xffffffffn), hi = Number(this.dirtyBlocks >> 32n);
    for (let b = 0; (lo | hi) && b < NBLK; b++) {
      if (bit(lo, hi, b)) d.set(this.blocks.subarray(k * BLK, ++k * BLK), b * BLK);
    }
    this.base = undefined;
    this.blocks = d.subarray(0, 0);
    return (this.built = d);
  }
}

function decode(b: Buffer, o: number, c: NativeCase): { result: Result; next: number } | undefined {
  const nblk = popcount(b.readUInt32LE(o + OUT_FIXED - 8)) + popcount(b.readUInt32LE(o + OUT_FIXED - 4));
  const next = o + OUT_FIXED + nblk * BLK;
  if (next > b.length) return undefined;
  const gpr = new BigUint64Array(16);
  new Uint8Array(gpr.buffer).set(b.subarray(o + 12, o + 140));
  const fxsave = new Uint8Array(b.subarray(o + 148, o + 660)); // copies
  const blocks = new Uint8Array(b.subarray(o + OUT_FIXED, next));
  const result = new Result(b.readUInt32LE(o), b.readBigUInt64LE(o + 4), gpr, b.readBigUInt64LE(o + 140), fxsave,
    b.readBigUInt64LE(o + OUT_FIXED - 8), c.data, blocks);
  // A caller may reuse or mutate case.data later: snapshot it now.
  if (c.data) void result.data;
  return { result, next };
}
