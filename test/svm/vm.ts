// A small hypervisor-side toolkit over test/harness/guest64.ts for the SVM suites:
// VMCB field access as bigint, intercept bits, nested-page edits and the exit record.
// Layout inherited from Guest64: gPA 0-0xFFFF -> hPA 0x100000 (guest tables at 0x1000,
// GDT at 0x4000), data gPA 0x10000000 -> hPA 0x200000, code gPA 0x20000000 -> hPA 0x300000.
import { Guest64, CODE_VA, DATA_VA } from '../harness/guest64';
import { VMCB } from '../../src/cpu/svm/vmcb-layout';
import { assemble64 } from '../native/assemble';

export { CODE_VA, DATA_VA, VMCB };
export const LOW_HPA = 0x100000, DATA_HPA = 0x200000, CODE_HPA = 0x300000;
export const IOPM_HPA = 0x2000, MSRPM_HPA = 0x5000;
/** Exit codes (svm.md section 5). */
export const EXIT = Object.freeze({
  INVALID: 0xffff_ffff_ffff_ffffn, VMMCALL: 0x81n, NPF: 0x400n, INTR: 0x60n, VINTR: 0x64n, SHUTDOWN: 0x7fn,
  IOIO: 0x7bn, MSR: 0x7cn, HLT: 0x78n,
});

export interface Exit {
  code: bigint; info1: bigint; info2: bigint; nrip: bigint; rip: bigint;
  intInfo: number; intInfoErr: number; insnLen: number; insnBytes: number[];
}

export class Vm extends Guest64 {
  constructor(code: Uint8Array = new Uint8Array(0)) {
    super();
    this.load(code);
  }
  r64(off: number): bigint {
    const a = this.vmcb + off;
    return (BigInt(this.mem.read32(a + 4) >>> 0) << 32n) | BigInt(this.mem.read32(a) >>> 0);
  }
  w64(off: number, v: bigint): void {
    const a = this.vmcb + off, u = BigInt.asUintN(64, v);
    this.mem.write32(a, Number(u & 0xffffffffn) | 0);
    this.mem.write32(a + 4, Number(u >> 32n) | 0);
  }
  r32(off: number): number { return this.mem.read32(this.vmcb + off) >>> 0; }
  w32(off: number, v: number): void { this.mem.write32(this.vmcb + off, v | 0); }
  /** Set or clear the intercept whose exit code is `code` (0..BFh: the 192-bit vector). */
  intercept(code: number, on = true): void {
    const a = this.vmcb + 4 * (code >> 5), m = 1 << (code & 31), w = this.mem.read32(a);
    this.mem.write32(a, on ? w | m : w & ~m);
  }
  /** Host address of the 4 KiB nested PTE mapping gpa (tables built by Guest64.mapNested). */
  nestedPte(gpa: number): number {
    let table = this.mem.read32(this.vmcb + VMCB.N_CR3) & ~0xfff;
    for (let level = 3; level > 0; level--) {
      const e = table + (Math.floor(gpa / 2 ** (12 + 9 * level)) % 512) * 8;
      const lo = this.mem.read32(e);
      if ((lo & 1) === 0) throw new Error(`gPA ${gpa.toString(16)} has no nested table at level ${level}`);
      table = lo & ~0xfff;
    }
    return table + (Math.floor(gpa / 4096) % 512) * 8;
  }
  unmapNested(gpa: number): void {
    const e = this.nestedPte(gpa);
    this.mem.write32(e, this.mem.read32(e) & ~1);
  }
  exit(): Exit {
    const bytes: number[] = [];
    const len = this.mem.read8(this.vmcb + VMCB.GUEST_INSN_LEN);
    for (let i = 0; i < len; i++) bytes.push(this.mem.read8(this.vmcb + VMCB.GUEST_INSN_BYTES + i));
    return {
      code: this.r64(VMCB.EXITCODE), info1: this.r64(VMCB.EXITINFO1), info2: this.r64(VMCB.EXITINFO2),
      nrip: this.r64(VMCB.NRIP), rip: this.r64(VMCB.RIP),
      intInfo: this.r32(VMCB.EXITINTINFO), intInfoErr: this.r32(VMCB.EXITINTINFO_ERR),
      insnLen: len, insnBytes: bytes,
    };
  }
  /** VMRUN and return the exit record. */
  go(budget = 100_000): Exit {
    this.cpu.vmrun(this.vmcb, budget);
    return this.exit();
  }
  /** Resume after an instruction intercept: RIP := nRIP (what a hypervisor does). */
  skip(): void { this.w64(VMCB.RIP, this.r64(VMCB.NRIP)); }
  /** Guest data page as seen by the host. */
  dataU32(off: number): number { return this.mem.read32(DATA_HPA + off) >>> 0; }
}

/** Assemble 64-bit snippets in one nasm run; returns byte arrays in order. */
export function asm(...snippets: string[]): Uint8Array[] { return assemble64(snippets); }

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
export const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
