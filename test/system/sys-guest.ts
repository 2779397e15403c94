// Test helper for the system group: a Guest64 (test/harness/guest64.ts) extended by
// composition with a full GDT (kernel/user code and data, a 64-bit TSS), an IDT and
// helpers to set intercepts and read the VMCB (EXITCODE, EXITINFO, nRIP, CPL).
import { Guest64, CODE_VA, DATA_VA, GuestResult } from '../harness/guest64';
import { VMCB } from '../../src/cpu/svm/vmcb-layout';
import { assemble64 } from '../native/assemble';

/** Host-physical addresses behind Guest64's guest-physical regions (see guest64.ts). */
const LOW_HPA = 0x100000, CODE_HPA = 0x300000;
export const GDT_GPA = 0x4000, TSS_GPA = 0x5000, IDT_GPA = 0x6000;
/** Selectors: kernel code64/data, user code32/data/code64 (SYSRET layout, STAR[63:48] = 0x18), TSS. */
export const KCODE = 0x08, KDATA = 0x10, UCODE32 = 0x1b, UDATA = 0x23, UCODE64 = 0x2b, TSS_SEL = 0x30;
/** Handlers are placed at CODE_VA + HANDLER_OFF + 0x100 * n. */
export const HANDLER_OFF = 0x1000;
export const KSTACK = DATA_VA + 0xa000, ISTSTACK = DATA_VA + 0xc008, USTACK = DATA_VA + 0x8000;

export interface SysResult extends GuestResult { nrip: bigint; cpl: number; cs: number; ss: number }

export class SysGuest {
  readonly g = new Guest64();
  get mem() { return this.g.mem; }
  get cpu() { return this.g.cpu; }

  /** Load code (assembled with nasm if a string) and the handlers; build GDT/TSS/IDT. */
  load(code: string | Uint8Array, handlers: string[] = []): void {
    const [bytes, ...hs] = assemble64([typeof code === 'string' ? code : 'nop', ...handlers]);
    this.g.load(typeof code === 'string' ? bytes : code);
    hs.forEach((h, i) => this.mem.writeBytes(CODE_HPA + HANDLER_OFF + 0x100 * i, h));
    this.buildTables();
  }
  handlerVa(n: number): number { return CODE_VA + HANDLER_OFF + 0x100 * n; }

  private desc(sel: number, lo: number, hi: number): void {
    this.mem.write32(LOW_HPA + GDT_GPA + sel, lo);
    this.mem.write32(LOW_HPA + GDT_GPA + sel + 4, hi);
  }
  private buildTables(): void {
    const m = this.mem, v = this.g.vmcb;
    this.desc(0x18, 0x0000ffff, 0x00cffb00); // user code32
    this.desc(0x20, 0x0000ffff, 0x00cff300); // user data
    this.desc(0x28, 0x0000ffff, 0x00affb00); // user code64
    this.desc(0x30, (TSS_GPA << 16) | 0x67, 0x00008900); // 64-bit TSS (available)
    this.desc(0x38, 0, 0);
    m.write32(v + VMCB.GDTR_LIMIT, 0x3f);
    m.fill(LOW_HPA + TSS_GPA, 0x68, 0);
    this.tss64(4, KSTACK); // RSP0
    this.tss64(0x24, ISTSTACK); // IST1
    m.write16(LOW_HPA + TSS_GPA + 0x66, 0x68); // no I/O bitmap
    m.fill(LOW_HPA + IDT_GPA, 4096, 0);
    m.write32(v + VMCB.IDTR_BASE, IDT_GPA); m.write32(v + VMCB.IDTR_LIMIT, 4095);
    m.write16(v + VMCB.TR_SELECTOR, TSS_SEL); m.write16(v + VMCB.TR_ATTRIB, 0x8b);
    m.write32(v + VMCB.TR_LIMIT, 0x67); m.write32(v + VMCB.TR_BASE, TSS_GPA);
    this.setReg(4, BigInt(KSTACK - 0x800));
    this.cpu.vmload(v);
  }
  private tss64(off: number, val: number): void {
    this.mem.write32(LOW_HPA + TSS_GPA + off, val);
    this.mem.write32(LOW_HPA + TSS_GPA + off + 4, 0);
  }
  /** 64-bit interrupt (type E) or trap (F) gate. */
  gate(vector: number, target: number, opts: { dpl?: number; ist?: number; type?: number; sel?: number } = {}): void {
    const a = LOW_HPA + IDT_GPA + vector * 16;
    const sel = opts.sel ?? KCODE;
    this.mem.write32(a, (sel << 16) | (target & 0xffff));
    this.mem.write32(a + 4, (target & 0xffff0000) | 0x8000 | ((opts.dpl ?? 0) << 13) | ((opts.type ?? 0xe) << 8) | (opts.ist ?? 0));
    this.mem.write32(a + 8, 0);
    this.mem.write32(a + 12, 0);
  }
  /** Start the guest at CPL 3 in 64-bit user mode. */
  startUser(rsp = USTACK): void {
    const m = this.mem, v = this.g.vmcb;
    m.write16(v + VMCB.CS_SELECTOR, UCODE64); m.write16(v + VMCB.CS_ATTRIB, 0x2fb);
    m.write16(v + VMCB.SS_SELECTOR, UDATA); m.write16(v + VMCB.SS_ATTRIB, 0xcf3);
    m.write8(v + VMCB.CPL, 3);
    this.setReg(4, BigInt(rsp));
  }
  /** Intercept by exit code (0..BFh): CR/DR/exception/word 3-5 bit. */
  intercept(code: number, on = true): void {
    const a = this.g.vmcb + 4 * (code >>> 5);
    const w = this.mem.read32(a), b = 1 << (code & 31);
    this.mem.write32(a, on ? w | b : w & ~b);
  }
  setReg(r: number, v: bigint): void { this.g.setReg(r, v); }
  setRflags(v: bigint): void { this.g.setRflags(v); }
  vmcb64(off: number): bigint {
    const m = this.mem, v = this.g.vmcb;
    return (BigInt(m.read32(v + off + 4) >>> 0) << 32n) | BigInt(m.read32(v + off) >>> 0);
  }
  run(budget = 1_000_000): SysResult {
    const r = this.g.run(budget);
    const m = this.mem, v = this.g.vmcb;
    return { ...r, nrip: this.vmcb64(VMCB.NRIP), cpl: m.read8(v + VMCB.CPL), cs: m.read16(v + VMCB.CS_SELECTOR), ss: m.read16(v + VMCB.SS_SELECTOR) };
  }
}

export { CODE_VA, DATA_VA };
