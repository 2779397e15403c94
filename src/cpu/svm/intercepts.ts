// Intercept vector at VMCB 000h-017h, treated as one 192-bit vector whose bit
// number equals the exit code it produces (svm.md 3): CR read/write 00h-1Fh,
// DR 20h-3Fh, exceptions 40h-5Fh, word 3 60h-7Fh, word 4 80h-9Fh, word 5 A0h-BFh.

import type { PhysMem } from '../phys-mem';

export interface InterceptBit {
  /** VMCB offset of the intercept dword (00Ch, 010h or 014h for words 3-5). */
  readonly word: number;
  readonly bit: number;
  /** 1 << bit, as a signed int32 (bit 31 gives a negative number). */
  readonly mask: number;
  /** Exit code produced when it fires: 32 * (word / 4) + bit. */
  readonly exit: number;
}

// Bit order of words 3, 4, 5 (svm.md 3.1-3.3). IOIO_PROT / MSR_PROT consult
// the IOPM / MSRPM before exiting with IOIO (7Bh) / MSR (7Ch).
const WORD3 = [
  'INTR', 'NMI', 'SMI', 'INIT', 'VINTR', 'CR0_SEL_WRITE', 'IDTR_READ', 'GDTR_READ',
  'LDTR_READ', 'TR_READ', 'IDTR_WRITE', 'GDTR_WRITE', 'LDTR_WRITE', 'TR_WRITE', 'RDTSC', 'RDPMC',
  'PUSHF', 'POPF', 'CPUID', 'RSM', 'IRET', 'SWINT', 'INVD', 'PAUSE',
  'HLT', 'INVLPG', 'INVLPGA', 'IOIO_PROT', 'MSR_PROT', 'TASK_SWITCH', 'FERR_FREEZE', 'SHUTDOWN',
] as const;
const WORD4 = [
  'VMRUN', 'VMMCALL', 'VMLOAD', 'VMSAVE', 'STGI', 'CLGI', 'SKINIT', 'RDTSCP',
  'ICEBP', 'WBINVD', 'MONITOR', 'MWAIT', 'MWAIT_COND', 'XSETBV', 'RDPRU', 'EFER_WRITE_TRAP',
  'CR0_WRITE_TRAP', 'CR1_WRITE_TRAP', 'CR2_WRITE_TRAP', 'CR3_WRITE_TRAP',
  'CR4_WRITE_TRAP', 'CR5_WRITE_TRAP', 'CR6_WRITE_TRAP', 'CR7_WRITE_TRAP',
  'CR8_WRITE_TRAP', 'CR9_WRITE_TRAP', 'CR10_WRITE_TRAP', 'CR11_WRITE_TRAP',
  'CR12_WRITE_TRAP', 'CR13_WRITE_TRAP', 'CR14_WRITE_TRAP', 'CR15_WRITE_TRAP',
] as const;
const WORD5 = ['INVLPGB', 'INVLPGB_ILLEGAL', 'INVPCID', 'MCOMMIT', 'TLBSYNC', 'BUS_LOCK', 'IDLE_HLT'] as const;

export type InterceptName = (typeof WORD3)[number] | (typeof WORD4)[number] | (typeof WORD5)[number];

/** VMCB offsets of the intercept dwords. */
export const INTERCEPT_WORD3 = 0x00c;
export const INTERCEPT_WORD4 = 0x010;
export const INTERCEPT_WORD5 = 0x014;
/** Number of bits (and valid exit codes 0..BFh) of the intercept vector. */
export const INTERCEPT_VECTOR_BITS = 0xc0;

function build(): Readonly<Record<InterceptName, InterceptBit>> {
  const entries: [InterceptName, InterceptBit][] = [];
  const words: ReadonlyArray<readonly [number, readonly InterceptName[]]> = [
    [INTERCEPT_WORD3, WORD3], [INTERCEPT_WORD4, WORD4], [INTERCEPT_WORD5, WORD5],
  ];
  for (const [word, names] of words) {
    names.forEach((name, bit) => {
      entries.push([name, Object.freeze({ word, bit, mask: (1 << bit) | 0, exit: 32 * (word >> 2) + bit })]);
    });
  }
  // fromEntries keeps V8 fast properties (hot-path constants).
  return Object.freeze(Object.fromEntries(entries) as Record<InterceptName, InterceptBit>);
}

/** Position and exit code of every intercept in words 3, 4, 5 (svm.md 3.1-3.3). */
export const Intercept = build();

export function interceptBit(name: InterceptName): InterceptBit {
  const b = Intercept[name];
  if (b === undefined) throw new RangeError(`unknown intercept '${name}'`);
  return b;
}

/**
 * Is the intercept for exit code n (0..BFh) set in the VMCB at vmcbHpa? Covers
 * CR/DR reads and writes (n = SvmExit.CRx_READ ...), exceptions (40h + vector)
 * and words 3-5. Codes outside 0..BFh have no intercept bit: false.
 */
export function isInterceptSet(mem: PhysMem, vmcbHpa: number, exitCode: number): boolean {
  if (exitCode >>> 0 >= INTERCEPT_VECTOR_BITS) return false;
  return ((mem.read32(vmcbHpa + 4 * (exitCode >>> 5)) >>> (exitCode & 31)) & 1) !== 0;
}

/** Sets or clears the intercept for exit code n (0..BFh); for the hypervisor. */
export function setIntercept(mem: PhysMem, vmcbHpa: number, exitCode: number, on: boolean): void {
  if (exitCode >>> 0 >= INTERCEPT_VECTOR_BITS) throw new RangeError(`exit code 0x${exitCode.toString(16)} has no intercept bit`);
  const a = vmcbHpa + 4 * (exitCode >>> 5);
  const m = 1 << (exitCode & 31);
  const w = mem.read32(a);
  mem.write32(a, on ? w | m : w & ~m);
}
