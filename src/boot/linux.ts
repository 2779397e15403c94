// Linux 64-bit boot protocol (linux-boot.md 4, 6.1, 7): from a bzImage, initrd, command
// line and memory map to a BootPlan (zero page, cmdline, kernel at 1 MiB, initrd high,
// GDT, identity page tables, startup_64 state). Touches no VM.
import { BlobWriter, alignDown, alignUp } from './bytes';
import { BzImageHeader, CAN_USE_HEAP, HDR_START, parseBzImage } from './bzimage';
import {
  CMDLINE_GPA, KERNEL_LOAD_GPA, ZERO_PAGE_GPA, bootGdt, identityPageTables, linux64State,
} from './cpu-state';
import { E820Entry, E820_RAM, FOUR_GIB } from './e820';
import { CommandLineError, InitrdPlacementError, InsufficientMemoryError, LayoutError, hex } from './errors';
import { BootPlan, LoadRegion, checkRegions } from './plan';

export interface LinuxBootOptions {
  kernel: Uint8Array;
  /** Names the kernel in error messages (a path); default "kernel". */
  kernelPath?: string;
  initrd?: Uint8Array;
  initrdPath?: string;
  cmdline: string;
  /** Total guest RAM; the e820 RAM entries must lie within it. */
  memoryBytes: number;
  /** Sorted, disjoint memory map (buildMemoryMap(...).e820); at most 128 entries. */
  e820: E820Entry[];
  /** boot_params.acpi_rsdp_addr (70h); 0 or absent: Linux scans E0000h-FFFFFh itself. */
  acpiRsdp?: number;
}

export interface LinuxBootPlan extends BootPlan {
  protocol: 'linux64';
  header: BzImageHeader;
  zeroPage: number;
  cmdlineGpa: number;
  /** RAM the decompressed kernel needs: [start, end) (linux-boot.md 6.1 decompression target). */
  kernelFootprint: { start: number; end: number };
  initrd: { gpa: number; size: number } | undefined;
}

/** Offsets in struct boot_params (linux-boot.md 4) and the setup header (2). */
const BP_ACPI_RSDP = 0x070;
const BP_EXT_RAMDISK_IMAGE = 0x0c0;
const BP_EXT_RAMDISK_SIZE = 0x0c4;
const BP_EXT_CMD_LINE_PTR = 0x0c8;
const BP_E820_ENTRIES = 0x1e8;
const BP_E820_TABLE = 0x2d0;
const E820_MAX_ENTRIES = 128;
const HDR_VID_MODE = 0x1fa;
const HDR_TYPE_OF_LOADER = 0x210;
const HDR_LOADFLAGS = 0x211;
const HDR_RAMDISK_IMAGE = 0x218;
const HDR_RAMDISK_SIZE = 0x21c;
const HDR_HEAP_END_PTR = 0x224;
const HDR_CMD_LINE_PTR = 0x228;
const HDR_HARDWARE_SUBARCH = 0x23c;
const HDR_SETUP_DATA = 0x250;
/** startup_64 sits at .org 0x200 of the protected-mode code (linux-boot.md 6.1). */
export const STARTUP_64_OFFSET = 0x200;

export function planLinuxBoot(o: LinuxBootOptions): LinuxBootPlan {
  const subject = o.kernelPath ?? 'kernel';
  const hdr = parseBzImage(o.kernel, subject);
  if (o.e820.length === 0 || o.e820.length > E820_MAX_ENTRIES) {
    throw new LayoutError('memory', `the e820 map has ${o.e820.length} entries; the zero page holds 1..${E820_MAX_ENTRIES}`);
  }
  const ramBytes = o.e820.reduce((n, e) => n + (e.type === E820_RAM ? e.size : 0), 0);
  if (ramBytes > o.memoryBytes) {
    throw new LayoutError('memory', `the e820 map lists ${ramBytes} bytes of RAM but the VM has ${o.memoryBytes}`);
  }
  const cmdline = encodeCmdline(o.cmdline, hdr.cmdlineSize, subject);

  // linux-boot.md 6.1: the decompressor runs at max(align_up(load, kernel_alignment), pref_address).
  const target = Math.max(alignUp(KERNEL_LOAD_GPA, hdr.kernelAlignment), hdr.prefAddress);
  const footprint = { start: KERNEL_LOAD_GPA, end: Math.max(target + hdr.initSize, KERNEL_LOAD_GPA + hdr.pmSize) };
  const kernelRam = o.e820.find((e) => e.type === E820_RAM && e.addr <= footprint.start && footprint.end <= e.addr + e.size);
  if (kernelRam === undefined) {
    throw new InsufficientMemoryError(subject,
      `the kernel needs RAM from ${hex(footprint.start)} to ${hex(footprint.end)} (init_size ${hex(hdr.initSize)} at ` +
      `${hex(target)}); give the VM at least ${Math.ceil(footprint.end / 2 ** 20) + 1} MiB`);
  }

  const initrd = o.initrd !== undefined && o.initrd.length > 0
    ? { gpa: placeInitrd(o.initrd.length, hdr, o.e820, footprint.end, o.initrdPath ?? 'initrd'), size: o.initrd.length }
    : undefined;

  const zp = buildZeroPage(hdr, o.e820, initrd, o.acpiRsdp ?? 0);
  const regions: LoadRegion[] = [
    bootGdt(),
    { kind: 'data', gpa: ZERO_PAGE_GPA, bytes: zp, what: 'zero page (boot_params)' },
    identityPageTables(),
    { kind: 'data', gpa: CMDLINE_GPA, bytes: cmdline, what: 'kernel command line' },
    { kind: 'data', gpa: KERNEL_LOAD_GPA, bytes: o.kernel.subarray(hdr.pmOffset), what: 'protected-mode kernel' },
  ];
  const placed = [{ what: 'kernel', gpa: KERNEL_LOAD_GPA, size: hdr.pmSize }];
  if (initrd !== undefined && o.initrd !== undefined) {
    regions.push({ kind: 'data', gpa: initrd.gpa, bytes: o.initrd, what: 'initrd' });
    placed.push({ what: 'initrd', ...initrd });
  }
  const entry = KERNEL_LOAD_GPA + STARTUP_64_OFFSET;
  return {
    protocol: 'linux64', regions: checkRegions(regions, o.e820), cpu: linux64State(entry, ZERO_PAGE_GPA),
    e820: o.e820, entry, placed, header: hdr, zeroPage: ZERO_PAGE_GPA, cmdlineGpa: CMDLINE_GPA,
    kernelFootprint: footprint, initrd,
  };
}

/** NUL-terminated UTF-8, at most cmdline_size bytes before the NUL (linux-boot.md 2, 228h/238h). */
function encodeCmdline(s: string, max: number, subject: string): Uint8Array {
  const body = Buffer.from(s, 'utf8');
  if (body.includes(0)) throw new CommandLineError(subject, 'the command line contains a NUL byte, which would end it early');
  if (body.length > max) {
    throw new CommandLineError(subject, `the command line is ${body.length} bytes; this kernel accepts at most ${max} (cmdline_size)`);
  }
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  return out;
}

/**
 * linux-boot.md 7 initrd rules: as high as possible, page aligned, wholly in one RAM entry,
 * below initrd_addr_max (its last byte) and 4 GiB, above the kernel's footprint.
 */
function placeInitrd(size: number, hdr: BzImageHeader, e820: E820Entry[], kernelEnd: number, subject: string): number {
  const limit = Math.min(hdr.initrdAddrMax + 1, FOUR_GIB);
  const ram = e820.filter((e) => e.type === E820_RAM).sort((a, b) => b.addr - a.addr);
  for (const e of ram) {
    const end = Math.min(e.addr + e.size, limit);
    const start = alignDown(end - size, 4096);
    if (start >= e.addr && start >= kernelEnd) return start;
  }
  throw new InitrdPlacementError(subject,
    `${size} bytes do not fit in RAM between the kernel's end ${hex(kernelEnd)} and ${hex(limit)} ` +
    `(min of initrd_addr_max + 1 and 4 GiB); give the VM more memory`);
}

function buildZeroPage(hdr: BzImageHeader, e820: E820Entry[], initrd: { gpa: number; size: number } | undefined, rsdp: number): Uint8Array {
  const w = new BlobWriter(4096);
  w.set(HDR_START, hdr.setupHeader);
  w.u16(HDR_VID_MODE, 0xffff); // "normal"
  w.u8(HDR_TYPE_OF_LOADER, 0xff); // undefined loader, as Firecracker
  w.u8(HDR_LOADFLAGS, hdr.loadflags | CAN_USE_HEAP);
  w.u16(HDR_HEAP_END_PTR, 0xfe00);
  w.u32(HDR_CMD_LINE_PTR, CMDLINE_GPA);
  w.u32(BP_EXT_CMD_LINE_PTR, 0);
  w.u32(HDR_RAMDISK_IMAGE, initrd?.gpa ?? 0);
  w.u32(HDR_RAMDISK_SIZE, initrd?.size ?? 0);
  w.u32(BP_EXT_RAMDISK_IMAGE, 0);
  w.u32(BP_EXT_RAMDISK_SIZE, 0);
  w.u32(HDR_HARDWARE_SUBARCH, 0);
  if (hdr.setupHeader.length >= HDR_SETUP_DATA + 8 - HDR_START) w.u64(HDR_SETUP_DATA, 0);
  w.u64(BP_ACPI_RSDP, rsdp);
  w.u8(BP_E820_ENTRIES, e820.length);
  e820.forEach((e, i) => {
    w.u64(BP_E820_TABLE + i * 20, e.addr);
    w.u64(BP_E820_TABLE + i * 20 + 8, e.size);
    w.u32(BP_E820_TABLE + i * 20 + 16, e.type);
  });
  return w.bytes;
}
