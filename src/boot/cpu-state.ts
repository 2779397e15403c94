// Boot-time vCPU state shared by the loaders: one GDT (boot.rst selectors), identity page
// tables for the 64-bit Linux entry (linux-boot.md 6.1) and the flat 32-bit state of a
// multiboot entry. All of it is plain data for the VMM to load; boot/ never imports cpu/.
import { BlobWriter } from './bytes';
import type { DataRegion, InitialCpuState, SegmentState } from './plan';

/** Low-memory layout (linux-boot.md 7, Firecracker's addresses). */
export const BOOT_GDT_GPA = 0x500;
export const ZERO_PAGE_GPA = 0x7000;
export const BOOT_STACK_TOP = 0x8ff0;
export const PML4_GPA = 0x9000;
export const PDPT_GPA = 0xa000;
export const PD_GPA = 0xb000;
/** The page tables map this much, identity, with 2 MiB pages (four page directories). */
export const IDENTITY_MAP_BYTES = 0x1_0000_0000;
export const PAGE_TABLES_BYTES = PD_GPA + 4 * 4096 - PML4_GPA;
export const CMDLINE_GPA = 0x20000;
export const KERNEL_LOAD_GPA = 0x100000;

/** GDT selectors: boot.rst __BOOT_CS = 10h, __BOOT_DS = 18h; 08h is the 32-bit code segment. */
export const SEL_CODE32 = 0x08;
export const SEL_CODE64 = 0x10;
export const SEL_DATA = 0x18;
export const SEL_TSS = 0x20;

/** VMCB attribute encodings (descriptor bits 47:40 and 55:52), accessed bits preset. */
export const ATTR_CODE32 = 0xc9b; // G, D/B, P, S, execute/read, accessed
export const ATTR_CODE64 = 0xa9b; // G, L, P, S, execute/read, accessed
export const ATTR_DATA = 0xc93; //   G, D/B, P, S, read/write, accessed
export const ATTR_TSS = 0x08b; //    P, busy 32/64-bit TSS
export const ATTR_LDT = 0x082; //    P, LDT

export const CR0_PE = 1 << 0;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_PG = 0x8000_0000;
export const CR4_PAE = 1 << 5;
export const EFER_LME = 1 << 8;
export const EFER_LMA = 1 << 10;

/** The GDT: null, code32 (08h), code64 (10h), data (18h), 16-byte TSS descriptor (20h). */
export function bootGdt(): DataRegion {
  const w = new BlobWriter(0x30);
  const desc = (off: number, access: number, flags: number): void => {
    w.u16(off, 0xffff); // limit 15:0
    w.u8(off + 5, access);
    w.u8(off + 6, (flags << 4) | 0xf); // flags, limit 19:16
  };
  desc(SEL_CODE32, ATTR_CODE32 & 0xff, ATTR_CODE32 >> 8);
  desc(SEL_CODE64, ATTR_CODE64 & 0xff, ATTR_CODE64 >> 8);
  desc(SEL_DATA, ATTR_DATA & 0xff, ATTR_DATA >> 8);
  w.u16(SEL_TSS, 0x67); // TSS: base 0, limit 67h, byte granular
  w.u8(SEL_TSS + 5, ATTR_TSS);
  return { kind: 'data', gpa: BOOT_GDT_GPA, bytes: w.bytes, what: 'boot GDT' };
}

/** PML4 -> PDPT -> 4 PDs of 2 MiB pages (flags 83h): identity map of [0, 4 GiB). */
export function identityPageTables(): DataRegion {
  const w = new BlobWriter(PAGE_TABLES_BYTES);
  w.u64(0, PDPT_GPA | 0x3);
  for (let i = 0; i < 4; i++) {
    w.u64(PDPT_GPA - PML4_GPA + i * 8, (PD_GPA + i * 4096) | 0x3);
    for (let j = 0; j < 512; j++) {
      w.u64(PD_GPA - PML4_GPA + i * 4096 + j * 8, (i * 512 + j) * 0x20_0000 + 0x83);
    }
  }
  return { kind: 'data', gpa: PML4_GPA, bytes: w.bytes, what: 'identity page tables' };
}

function seg(selector: number, attrib: number): SegmentState {
  return { selector, base: 0, limit: 0xffff_ffff, attrib };
}

function baseState(): InitialCpuState {
  return {
    mode: 'protected32', rip: 0, rsp: 0, rflags: 0x2,
    rax: 0, rbx: 0, rcx: 0, rdx: 0, rsi: 0, rdi: 0, rbp: 0,
    cr0: CR0_PE | CR0_ET | CR0_NE, cr3: 0, cr4: 0, efer: 0,
    cs: seg(SEL_CODE32, ATTR_CODE32), ds: seg(SEL_DATA, ATTR_DATA), es: seg(SEL_DATA, ATTR_DATA),
    fs: seg(SEL_DATA, ATTR_DATA), gs: seg(SEL_DATA, ATTR_DATA), ss: seg(SEL_DATA, ATTR_DATA),
    tr: { selector: SEL_TSS, base: 0, limit: 0x67, attrib: ATTR_TSS },
    ldtr: { selector: 0, base: 0, limit: 0xffff, attrib: ATTR_LDT },
    gdtr: { base: BOOT_GDT_GPA, limit: 0x2f },
    idtr: { base: 0, limit: 0 },
    fcw: 0x37f, mxcsr: 0x1f80,
  };
}

/**
 * linux-boot.md 6.1: long mode, paging on with the identity tables, CS = 10h (L=1),
 * DS = ES = SS = 18h, IF = 0, RSI = zero page, RIP = startup_64.
 */
export function linux64State(entry: number, zeroPage: number): InitialCpuState {
  const s = baseState();
  s.mode = 'long64';
  s.rip = entry;
  s.rsp = BOOT_STACK_TOP;
  s.rbp = BOOT_STACK_TOP;
  s.rsi = zeroPage;
  s.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
  s.cr3 = PML4_GPA;
  s.cr4 = CR4_PAE;
  s.efer = EFER_LME | EFER_LMA;
  s.cs = seg(SEL_CODE64, ATTR_CODE64);
  return s;
}

/** Multiboot 0.6.96 section 3.2: 32-bit protected mode, paging off, EAX magic, EBX = info. */
export function multibootState(entry: number, magic: number, info: number): InitialCpuState {
  const s = baseState();
  s.rip = entry;
  s.rax = magic;
  s.rbx = info;
  s.rsp = BOOT_STACK_TOP; // the spec leaves ESP undefined; the OS sets its own stack
  return s;
}
