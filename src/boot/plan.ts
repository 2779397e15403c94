// The load plan every loader produces (bzImage, multiboot): byte ranges to copy into
// guest-physical memory and the initial vCPU state. The VMM applies a plan without knowing
// which protocol made it. Nothing here touches a VM; boot/ never imports cpu/.
import type { E820Entry } from './e820';
import { E820_RAM } from './e820';
import { LayoutError, hex } from './errors';

/** Bytes to copy to guest-physical `gpa` (`bytes` may be a view into the caller's image). */
export interface DataRegion {
  kind: 'data';
  gpa: number;
  bytes: Uint8Array;
  /** What this is, for logs and overlap errors ("zero page", "initrd", "ELF segment 1"). */
  what: string;
}

/** `size` bytes at `gpa` that must read as zero (bss). Fresh guest RAM already is. */
export interface ZeroRegion {
  kind: 'zero';
  gpa: number;
  size: number;
  what: string;
}

export type LoadRegion = DataRegion | ZeroRegion;

export function regionSize(r: LoadRegion): number {
  return r.kind === 'data' ? r.bytes.length : r.size;
}

/**
 * A segment register as the VMCB stores it (svm.md 4; APM Vol.2 15.5.1): `attrib` packs
 * descriptor bits 47:40 (type, S, DPL, P) into bits 7:0 and bits 55:52 (AVL, L, D/B, G)
 * into bits 11:8. `limit` is the expanded byte limit (0xFFFFFFFF for a flat 4 GiB segment).
 */
export interface SegmentState {
  selector: number;
  base: number;
  limit: number;
  attrib: number;
}

export interface TableRegister {
  base: number;
  limit: number;
}

/**
 * Architectural initial state of the boot vCPU. All values are exact JS numbers (< 2^53).
 * `efer` is the guest-visible value: an SVM hypervisor adds EFER.SVME in the VMCB itself.
 */
export interface InitialCpuState {
  /** 'long64': 64-bit mode, paging on (Linux startup_64). 'protected32': paging off (multiboot). */
  mode: 'long64' | 'protected32';
  rip: number;
  rsp: number;
  rflags: number;
  rax: number; rbx: number; rcx: number; rdx: number;
  rsi: number; rdi: number; rbp: number;
  cr0: number; cr3: number; cr4: number;
  efer: number;
  cs: SegmentState; ds: SegmentState; es: SegmentState;
  fs: SegmentState; gs: SegmentState; ss: SegmentState;
  tr: SegmentState; ldtr: SegmentState;
  gdtr: TableRegister;
  idtr: TableRegister;
  /** x87 control word and MXCSR at entry (Firecracker: 0x37F, 0x1F80). */
  fcw: number;
  mxcsr: number;
}

export interface BootPlan {
  protocol: 'linux64' | 'multiboot';
  /** Sorted by gpa, pairwise disjoint, each inside guest RAM (checkRegions). */
  regions: LoadRegion[];
  cpu: InitialCpuState;
  /** The memory map handed to the guest (zero page e820 table or multiboot mmap). */
  e820: E820Entry[];
  /** Entry point (also cpu.rip). */
  entry: number;
  /** Where the kernel image, initrd and modules went, for logs and tests. */
  placed: { what: string; gpa: number; size: number }[];
}

/**
 * Sorts `regions` by gpa and checks they are pairwise disjoint and each lies inside one
 * e820 entry whose type is in `types` (default: RAM only).
 */
export function checkRegions(
  regions: LoadRegion[], e820: E820Entry[], types: readonly number[] = [E820_RAM], subject = 'memory',
): LoadRegion[] {
  const sorted = [...regions].sort((a, b) => a.gpa - b.gpa);
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i];
    const end = r.gpa + regionSize(r);
    if (!e820.some((e) => types.includes(e.type) && r.gpa >= e.addr && end <= e.addr + e.size)) {
      throw new LayoutError(subject, `${r.what} at ${hex(r.gpa)}..${hex(end)} is not inside guest RAM`);
    }
    const next = sorted[i + 1];
    if (next !== undefined && next.gpa < end) {
      throw new LayoutError(subject, `${r.what} at ${hex(r.gpa)}..${hex(end)} overlaps ${next.what} at ${hex(next.gpa)}`);
    }
  }
  return sorted;
}
