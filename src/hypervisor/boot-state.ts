// Initial vCPU state for booting (the role of KVM_SET_REGS/KVM_SET_SREGS): GPRs, RIP, RFLAGS,
// control registers, EFER, segments and descriptor tables, written into the VMCB and the CPU.
// Segment `attrib` is the VMCB packed format (svm.md 4: type, S, DPL, P, AVL, L, D/B, G);
// `limit` is byte-granular. The VMCB keeps EFER.SVME set (msr.ts); callers never pass it.
import type { Cpu } from '../cpu/cpu';
import { VMCB } from '../cpu/svm/vmcb-layout';
import { CR0_PE, EFER_SVME } from '../cpu/regs';
import { GuestRegs } from './guest-regs';

export interface SegmentState { selector: number; base: number | bigint; limit: number; attrib: number }
export interface TableState { base: number | bigint; limit: number }
export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
export type GprName = (typeof GPR_NAMES)[number];

export interface BootState {
  /** Missing GPRs are zero. */
  gpr?: Partial<Record<GprName, number | bigint>>;
  rip: number | bigint;
  /** Default 2 (only the reserved bit). */
  rflags?: number;
  cr0: number;
  cr3?: number | bigint;
  cr4?: number;
  /** EFER as the guest sees it (LME/LMA for long mode); default 0. */
  efer?: number;
  cs: SegmentState;
  /** Missing data segments are flat 4 GiB read/write data with selector 0. */
  ds?: SegmentState; es?: SegmentState; ss?: SegmentState; fs?: SegmentState; gs?: SegmentState;
  /** Default: a busy 64-bit TSS at 0 (limit 67h) and a null LDT. */
  tr?: SegmentState; ldtr?: SegmentState;
  gdt?: TableState; idt?: TableState;
}

/** The VMM passed an impossible boot state (a VMM bug, reported before any guest code runs). */
export class BootStateError extends RangeError {
  constructor(what: string) {
    super(`bad boot state: ${what}`);
    this.name = 'BootStateError';
  }
}

const FLAT_DATA: SegmentState = { selector: 0, base: 0, limit: 0xffffffff, attrib: 0xc93 };

function u64(name: string, v: number | bigint): bigint {
  if (typeof v === 'bigint') {
    if (v < -(1n << 63n) || v >= 1n << 64n) throw new BootStateError(`${name} does not fit in 64 bits`);
    return BigInt.asUintN(64, v);
  }
  if (!Number.isSafeInteger(v)) throw new BootStateError(`${name} = ${v} is not an exact integer (use a bigint)`);
  return BigInt.asUintN(64, BigInt(v));
}
function u32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new BootStateError(`${name} = ${v} is not a 32-bit unsigned value`);
  return v;
}

export function applyBootState(cpu: Cpu, vmcb: number, s: BootState): void {
  const regs = new GuestRegs(cpu, vmcb);
  const m = cpu.mem;
  const w64 = (off: number, name: string, v: number | bigint) => {
    const b = u64(name, v);
    m.write32(vmcb + off, Number(b & 0xffffffffn) | 0); m.write32(vmcb + off + 4, Number(b >> 32n) | 0);
  };
  const seg = (off: number, name: string, sg: SegmentState) => {
    if (!Number.isInteger(sg.selector) || sg.selector < 0 || sg.selector > 0xffff) throw new BootStateError(`${name}.selector`);
    if (!Number.isInteger(sg.attrib) || sg.attrib < 0 || sg.attrib > 0xfff) throw new BootStateError(`${name}.attrib must be the 12-bit VMCB format`);
    m.write16(vmcb + off, sg.selector); m.write16(vmcb + off + 2, sg.attrib);
    m.write32(vmcb + off + 4, u32(`${name}.limit`, sg.limit) | 0);
    w64(off + 8, `${name}.base`, sg.base);
  };
  for (const n of Object.keys(s.gpr ?? {})) if (!(GPR_NAMES as readonly string[]).includes(n)) throw new BootStateError(`unknown register '${n}'`);
  GPR_NAMES.forEach((n, r) => regs.set64(r, u64(n, s.gpr?.[n] ?? 0)));
  w64(VMCB.RIP, 'rip', s.rip);
  m.write32(vmcb + VMCB.RFLAGS, (u32('rflags', s.rflags ?? 2) | 2) & 0x3f7fd7); m.write32(vmcb + VMCB.RFLAGS + 4, 0);
  const efer = u32('efer', s.efer ?? 0);
  if ((efer & EFER_SVME) !== 0) throw new BootStateError('efer.SVME is the hypervisor\'s; the guest has no SVM');
  m.write32(vmcb + VMCB.EFER, efer | EFER_SVME); m.write32(vmcb + VMCB.EFER + 4, 0);
  m.write32(vmcb + VMCB.CR0, u32('cr0', s.cr0) | 0); m.write32(vmcb + VMCB.CR0 + 4, 0);
  w64(VMCB.CR3, 'cr3', s.cr3 ?? 0);
  m.write32(vmcb + VMCB.CR4, u32('cr4', s.cr4 ?? 0) | 0); m.write32(vmcb + VMCB.CR4 + 4, 0);
  seg(VMCB.CS_SELECTOR, 'cs', s.cs);
  seg(VMCB.DS_SELECTOR, 'ds', s.ds ?? FLAT_DATA);
  seg(VMCB.ES_SELECTOR, 'es', s.es ?? FLAT_DATA);
  seg(VMCB.SS_SELECTOR, 'ss', s.ss ?? FLAT_DATA);
  seg(VMCB.FS_SELECTOR, 'fs', s.fs ?? FLAT_DATA);
  seg(VMCB.GS_SELECTOR, 'gs', s.gs ?? FLAT_DATA);
  seg(VMCB.TR_SELECTOR, 'tr', s.tr ?? { selector: 0, base: 0, limit: 0x67, attrib: 0x8b });
  seg(VMCB.LDTR_SELECTOR, 'ldtr', s.ldtr ?? { selector: 0, base: 0, limit: 0, attrib: 0x82 });
  const table = (off: number, name: string, t: TableState | undefined) => {
    const limit = t?.limit ?? 0xffff;
    if (!Number.isInteger(limit) || limit < 0 || limit > 0xffff) throw new BootStateError(`${name}.limit`);
    m.write32(vmcb + off - 4, limit); // the *_LIMIT field precedes *_BASE by 4 bytes
    w64(off, `${name}.base`, t?.base ?? 0);
  };
  table(VMCB.GDTR_BASE, 'gdt', s.gdt);
  table(VMCB.IDTR_BASE, 'idt', s.idt);
  m.write8(vmcb + VMCB.CPL, (s.cr0 & CR0_PE) !== 0 ? (s.cs.attrib >> 5) & 3 : 0);
  m.write32(vmcb + VMCB.INTERRUPT_STATE, 0);
  m.write32(vmcb + VMCB.EVENTINJ, 0);
  cpu.vmload(vmcb); // FS, GS, TR, LDTR and the syscall MSRs are VMLOAD's (svm.md 4)
}
