// Multiboot 0.6.96 section 3.1: finding and checking the header of a multiboot v1 kernel,
// and the a.out kludge (flags bit 16) that gives load addresses without an ELF file.
import { ImageReader } from './bytes';
import { KernelHeaderError, KernelUnsupportedError, hex } from './errors';

export const MULTIBOOT_HEADER_MAGIC = 0x1bad_b002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2bad_b002;
/** The header lies 4-byte aligned inside the first 8192 bytes. */
export const MULTIBOOT_SEARCH = 8192;
export const MBH_PAGE_ALIGN = 1 << 0;
export const MBH_MEMORY_INFO = 1 << 1;
export const MBH_VIDEO_MODE = 1 << 2;
export const MBH_AOUT_KLUDGE = 1 << 16;
/** Required-feature bits tsvisor honours (bit 2, video, is ignored as QEMU does). */
const KNOWN_REQUIRED = MBH_PAGE_ALIGN | MBH_MEMORY_INFO | MBH_VIDEO_MODE;

export interface MultibootHeader {
  offset: number;
  flags: number;
}

/** One piece of the image to load: file bytes at gpa, then zeros up to memSize. */
export interface KernelSegment {
  gpa: number;
  bytes: Uint8Array;
  memSize: number;
  what: string;
}

export interface KernelImageLayout {
  segments: KernelSegment[];
  entry: number;
}

/** The header, or undefined if none; a magic with a wrong checksum is reported, not skipped silently. */
export function findMultibootHeader(image: Uint8Array, subject = 'kernel'): MultibootHeader | undefined {
  const r = new ImageReader(image, subject);
  let badChecksumAt = -1;
  for (let off = 0; off + 12 <= Math.min(image.length, MULTIBOOT_SEARCH); off += 4) {
    if (r.u32(off, 'magic') !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = r.u32(off + 4, 'flags');
    const checksum = r.u32(off + 8, 'checksum');
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) {
      if (badChecksumAt < 0) badChecksumAt = off;
      continue;
    }
    const unknown = flags & 0xffff & ~KNOWN_REQUIRED;
    if (unknown !== 0) {
      throw new KernelUnsupportedError(subject, `multiboot header at ${hex(off)} requires unknown features (flags ${hex(flags)}, bits ${hex(unknown)})`);
    }
    return { offset: off, flags };
  }
  if (badChecksumAt >= 0) {
    throw new KernelHeaderError(subject, `multiboot magic 0x1BADB002 at ${hex(badChecksumAt)} but magic + flags + checksum is not 0`);
  }
  return undefined;
}

/** Multiboot 3.1.3 address fields: header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr. */
export function aoutLayout(image: Uint8Array, h: MultibootHeader, subject = 'kernel'): KernelImageLayout {
  const r = new ImageReader(image, subject);
  if (h.offset + 32 > MULTIBOOT_SEARCH) {
    throw new KernelHeaderError(subject, `multiboot header at ${hex(h.offset)} with address fields extends past the first 8192 bytes`);
  }
  const headerAddr = r.u32(h.offset + 12, 'header_addr');
  const loadAddr = r.u32(h.offset + 16, 'load_addr');
  const loadEndAddr = r.u32(h.offset + 20, 'load_end_addr');
  const bssEndAddr = r.u32(h.offset + 24, 'bss_end_addr');
  const entry = r.u32(h.offset + 28, 'entry_addr');
  if (loadAddr > headerAddr || headerAddr - loadAddr > h.offset) {
    throw new KernelHeaderError(subject,
      `multiboot load_addr ${hex(loadAddr)} must be <= header_addr ${hex(headerAddr)} and at most ${hex(h.offset)} below it (the header's file offset)`);
  }
  const fileOff = h.offset - (headerAddr - loadAddr);
  const loadEnd = loadEndAddr === 0 ? loadAddr + (image.length - fileOff) : loadEndAddr;
  if (loadEnd < loadAddr + (h.offset - fileOff) + 32) {
    throw new KernelHeaderError(subject, `multiboot load_end_addr ${hex(loadEndAddr)} ends before the header itself (load_addr ${hex(loadAddr)})`);
  }
  if (loadEnd > 0x1_0000_0000) throw new KernelHeaderError(subject, `multiboot image would extend past 4 GiB (${hex(loadEnd)})`);
  const bytes = r.slice(fileOff, loadEnd - loadAddr, `the image from load_addr ${hex(loadAddr)} to load_end_addr ${hex(loadEnd)}`);
  const bssEnd = bssEndAddr === 0 ? loadEnd : bssEndAddr;
  if (bssEnd < loadEnd) {
    throw new KernelHeaderError(subject, `multiboot bss_end_addr ${hex(bssEndAddr)} is below load_end_addr ${hex(loadEnd)}`);
  }
  if (entry < loadAddr || entry >= bssEnd) {
    throw new KernelHeaderError(subject, `multiboot entry_addr ${hex(entry)} is outside the loaded image ${hex(loadAddr)}..${hex(bssEnd)}`);
  }
  return { segments: [{ gpa: loadAddr, bytes, memSize: bssEnd - loadAddr, what: 'multiboot image' }], entry };
}
