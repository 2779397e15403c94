// Multiboot v1 (Multiboot 0.6.96): load a kernel by its a.out-kludge addresses or its ELF
// program headers, place modules page-aligned after it, build the multiboot information
// structure (3.3) in low memory, and enter in flat 32-bit protected mode with
// EAX = 2BADB002h and EBX = the information structure. Same BootPlan shape as Linux.
import { BlobWriter, alignUp } from './bytes';
import { bootGdt, multibootState } from './cpu-state';
import { E820Entry, E820_RAM, HIGH_MEMORY_START, LOW_RAM_END } from './e820';
import {
  CommandLineError, InsufficientMemoryError, KernelFormatError, KernelUnsupportedError, ModuleError, hex,
} from './errors';
import { elfLayout } from './multiboot-elf';
import {
  KernelImageLayout, MBH_AOUT_KLUDGE, MULTIBOOT_BOOTLOADER_MAGIC, aoutLayout, findMultibootHeader,
} from './multiboot-header';
import { BootPlan, LoadRegion, checkRegions } from './plan';

export interface MultibootModule {
  bytes: Uint8Array;
  /** The module's string (conventionally its path and arguments). */
  cmdline: string;
}

export interface MultibootOptions {
  kernel: Uint8Array;
  kernelPath?: string;
  cmdline: string;
  modules?: MultibootModule[];
  memoryBytes: number;
  e820: E820Entry[];
}

export interface MultibootPlan extends BootPlan {
  protocol: 'multiboot';
  /** Guest-physical address of the multiboot information structure (EBX). */
  infoGpa: number;
  modules: { gpa: number; size: number }[];
}

/** The information structure and its strings, tables and module list live here (below the EBDA). */
export const MULTIBOOT_INFO_GPA = 0x10000;
export const MAX_MODULES = 64;
const INFO_SIZE = 128; // struct multiboot_info through the framebuffer fields (116 bytes), rounded
const MBI_MEM = 1 << 0;
const MBI_CMDLINE = 1 << 2;
const MBI_MODS = 1 << 3;
const MBI_MMAP = 1 << 6;
const MBI_LOADER_NAME = 1 << 9;
const LOADER_NAME = 'tsvisor';

export function planMultibootBoot(o: MultibootOptions): MultibootPlan {
  const subject = o.kernelPath ?? 'kernel';
  const header = findMultibootHeader(o.kernel, subject);
  if (header === undefined) {
    throw new KernelFormatError(subject, `not a multiboot kernel: no header with magic 0x1BADB002 in the first 8192 bytes`);
  }
  const layout: KernelImageLayout = (header.flags & MBH_AOUT_KLUDGE) !== 0
    ? aoutLayout(o.kernel, header, subject)
    : elfLayout(o.kernel, subject);
  const modules = o.modules ?? [];
  if (modules.length > MAX_MODULES) throw new ModuleError('modules', `${modules.length} modules given; at most ${MAX_MODULES}`);

  const regions: LoadRegion[] = [bootGdt()];
  const placed: { what: string; gpa: number; size: number }[] = [];
  let kernelEnd = 0;
  for (const s of layout.segments) {
    if (s.gpa < HIGH_MEMORY_START) {
      throw new KernelUnsupportedError(subject, `${s.what} loads at ${hex(s.gpa)}, below 1 MiB where tsvisor keeps the boot structures`);
    }
    requireRam(o.e820, s.gpa, s.memSize, `${s.what} (${hex(s.gpa)}..${hex(s.gpa + s.memSize)})`, subject);
    if (s.bytes.length > 0) regions.push({ kind: 'data', gpa: s.gpa, bytes: s.bytes, what: s.what });
    if (s.memSize > s.bytes.length) {
      regions.push({ kind: 'zero', gpa: s.gpa + s.bytes.length, size: s.memSize - s.bytes.length, what: `${s.what} bss` });
    }
    placed.push({ what: s.what, gpa: s.gpa, size: s.memSize });
    kernelEnd = Math.max(kernelEnd, s.gpa + s.memSize);
  }

  // Multiboot 3.3: modules page-aligned (honours header flag bit 0 always), after the kernel.
  const mods: { gpa: number; size: number }[] = [];
  let next = alignUp(kernelEnd, 4096);
  modules.forEach((m, i) => {
    requireRam(o.e820, next, m.bytes.length, `module ${i} (${m.bytes.length} bytes at ${hex(next)})`, `module ${i}`);
    mods.push({ gpa: next, size: m.bytes.length });
    if (m.bytes.length > 0) regions.push({ kind: 'data', gpa: next, bytes: m.bytes, what: `module ${i}` });
    placed.push({ what: `module ${i}`, gpa: next, size: m.bytes.length });
    next = alignUp(next + m.bytes.length, 4096);
  });

  regions.push({ kind: 'data', gpa: MULTIBOOT_INFO_GPA, bytes: buildInfo(o, mods, subject), what: 'multiboot information' });
  return {
    protocol: 'multiboot', regions: checkRegions(regions, o.e820, [E820_RAM], subject),
    cpu: multibootState(layout.entry, MULTIBOOT_BOOTLOADER_MAGIC, MULTIBOOT_INFO_GPA),
    e820: o.e820, entry: layout.entry, placed, infoGpa: MULTIBOOT_INFO_GPA, modules: mods,
  };
}

function requireRam(e820: E820Entry[], gpa: number, size: number, what: string, subject: string): void {
  const end = gpa + size;
  if (!e820.some((e) => e.type === E820_RAM && gpa >= e.addr && end <= e.addr + e.size)) {
    throw new InsufficientMemoryError(subject, `${what} does not fit in guest RAM; give the VM more memory`);
  }
}

function cstring(s: string, subject: string): Uint8Array {
  const b = Buffer.from(s, 'utf8');
  if (b.includes(0)) throw new CommandLineError(subject, 'the command line contains a NUL byte, which would end it early');
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/** Multiboot 3.3 boot information: struct, mmap (from e820), module list, strings. */
function buildInfo(o: MultibootOptions, mods: { gpa: number; size: number }[], subject: string): Uint8Array {
  const cmdline = cstring(o.cmdline, subject);
  const modStrings = (o.modules ?? []).map((m, i) => cstring(m.cmdline, `module ${i}`));
  const name = cstring(LOADER_NAME, subject);
  const mmapOff = INFO_SIZE;
  const modsOff = mmapOff + o.e820.length * 24;
  let strOff = modsOff + mods.length * 16;
  const total = strOff + cmdline.length + name.length + modStrings.reduce((n, s) => n + s.length, 0);
  if (MULTIBOOT_INFO_GPA + total > LOW_RAM_END) {
    throw new CommandLineError(subject,
      `the command line and module strings need ${total} bytes of boot information; at most ${LOW_RAM_END - MULTIBOOT_INFO_GPA} fit below the EBDA`);
  }
  const w = new BlobWriter(total);
  const gpa = (off: number): number => MULTIBOOT_INFO_GPA + off;
  const putString = (s: Uint8Array): number => {
    const at = strOff;
    w.set(at, s);
    strOff += s.length;
    return gpa(at);
  };
  const low = o.e820.find((e) => e.type === E820_RAM && e.addr === 0);
  const upper = o.e820.find((e) => e.type === E820_RAM && e.addr === HIGH_MEMORY_START);
  w.u32(4, Math.floor((low?.size ?? 0) / 1024)); // mem_lower, KiB from 0
  w.u32(8, Math.min(Math.floor((upper?.size ?? 0) / 1024), 0xffff_ffff)); // mem_upper, KiB from 1 MiB
  w.u32(16, putString(cmdline));
  w.u32(20, mods.length);
  w.u32(24, gpa(modsOff));
  mods.forEach((m, i) => {
    w.u32(modsOff + i * 16, m.gpa);
    w.u32(modsOff + i * 16 + 4, m.gpa + m.size); // mod_end: first byte after the module
    w.u32(modsOff + i * 16 + 8, putString(modStrings[i]));
  });
  w.u32(44, o.e820.length * 24); // mmap_length
  w.u32(48, gpa(mmapOff));
  o.e820.forEach((e, i) => {
    const at = mmapOff + i * 24;
    w.u32(at, 20); // size of the entry without this field
    w.u64(at + 4, e.addr);
    w.u64(at + 12, e.size);
    w.u32(at + 20, e.type);
  });
  w.u32(64, putString(name));
  w.u32(0, MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_LOADER_NAME | (mods.length > 0 ? MBI_MODS : 0));
  return w.bytes;
}
