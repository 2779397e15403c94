// The guest's registers as the hypervisor sees them after #VMEXIT: RAX, RSP, RIP, RFLAGS,
// segments and control registers are in the VMCB state save area (svm.md 4); the other GPRs
// are never switched by VMRUN (svm.md 2) and stay in the processor, which is dedicated to
// this vCPU, so the hypervisor reads and writes them there.
import type { Cpu } from '../cpu/cpu';
import { VMCB } from '../cpu/svm/vmcb-layout';
import { ATTR_DB, ATTR_L, CR0_PE, EFER_LMA, RAX, RSP } from '../cpu/regs';

const TWO32 = 0x1_0000_0000;

export class GuestRegs {
  constructor(readonly cpu: Cpu, readonly vmcb: number) {}

  /** Low 32 bits of GPR r (signed int32). */
  lo(r: number): number {
    if (r === RAX) return this.cpu.mem.read32(this.vmcb + VMCB.RAX);
    if (r === RSP) return this.cpu.mem.read32(this.vmcb + VMCB.RSP);
    return this.cpu.gpr[r << 1];
  }
  hi(r: number): number {
    if (r === RAX) return this.cpu.mem.read32(this.vmcb + VMCB.RAX + 4);
    if (r === RSP) return this.cpu.mem.read32(this.vmcb + VMCB.RSP + 4);
    return this.cpu.gpr[(r << 1) | 1];
  }
  set(r: number, lo: number, hi: number): void {
    if (r === RAX || r === RSP) {
      const off = this.vmcb + (r === RAX ? VMCB.RAX : VMCB.RSP);
      this.cpu.mem.write32(off, lo); this.cpu.mem.write32(off + 4, hi);
    } else {
      this.cpu.gpr[r << 1] = lo; this.cpu.gpr[(r << 1) | 1] = hi;
    }
  }
  /** GPR r as a signed JS number: exact for canonical addresses and values below 2^53 in magnitude. */
  num(r: number): number {
    return this.hi(r) * TWO32 + (this.lo(r) >>> 0);
  }
  /** Write a number with |v| < 2^53 (negative: two's complement) to GPR r. */
  setNum(r: number, v: number): void {
    const lo = v % TWO32 | 0;
    this.set(r, lo, Math.floor(v / TWO32) | 0);
  }
  get64(r: number): bigint {
    return (BigInt(this.hi(r) >>> 0) << 32n) | BigInt(this.lo(r) >>> 0);
  }
  set64(r: number, v: bigint): void {
    this.set(r, Number(BigInt.asUintN(32, v)) | 0, Number(BigInt.asUintN(32, v >> 32n)) | 0);
  }

  /** A 64-bit VMCB field as a signed number: exact for canonical addresses and GPAs. */
  read64(off: number): number {
    const m = this.cpu.mem;
    return m.read32(this.vmcb + off + 4) * TWO32 + (m.read32(this.vmcb + off) >>> 0);
  }
  write64(off: number, v: number): void {
    const m = this.cpu.mem;
    m.write32(this.vmcb + off, v % TWO32 | 0); m.write32(this.vmcb + off + 4, Math.floor(v / TWO32) | 0);
  }
  read32(off: number): number { return this.cpu.mem.read32(this.vmcb + off); }
  write32(off: number, v: number): void { this.cpu.mem.write32(this.vmcb + off, v); }

  get rip(): number { return this.read64(VMCB.RIP); }
  set rip(v: number) { this.write64(VMCB.RIP, v); }
  get rflags(): number { return this.read32(VMCB.RFLAGS) >>> 0; }
  set rflags(v: number) { this.write32(VMCB.RFLAGS, v); }

  /** 64 in long mode with CS.L, 32 with CS.D, else 16 (APM Vol.2 1.2). */
  codeBits(): 16 | 32 | 64 {
    const attr = this.cpu.mem.read16(this.vmcb + VMCB.CS_ATTRIB);
    const efer = this.read32(VMCB.EFER);
    if ((efer & EFER_LMA) !== 0 && (attr & ATTR_L) !== 0) return 64;
    if ((this.read32(VMCB.CR0) & CR0_PE) !== 0 && (attr & ATTR_DB) !== 0 && (this.read32(VMCB.RFLAGS) & (1 << 17)) === 0) return 32;
    return 16;
  }

  /** RIP += len, wrapped to the code size, and end any interrupt shadow (the instruction completed). */
  advance(len: number): void {
    const bits = this.codeBits();
    let r = this.rip + len;
    if (bits !== 64) r = bits === 32 ? r % TWO32 : r % 0x10000;
    this.rip = r;
    this.clearShadow();
  }
  /** Continue at the VMCB's nRIP (instruction intercepts, NRIPS) and end any interrupt shadow. */
  skipToNrip(): void {
    this.write64(VMCB.RIP, this.read64(VMCB.NRIP));
    this.clearShadow();
  }
  clearShadow(): void {
    this.write32(VMCB.INTERRUPT_STATE, this.read32(VMCB.INTERRUPT_STATE) & ~1);
  }
}
