// The guest-physical memory map (linux-boot.md 4 and 7, pc-platform.md 11): what the
// zero page's e820 table and the multiboot mmap describe, and which ranges the VMM must
// back with RAM.
import { MemorySizeError } from './errors';

/** linux-boot.md 4: e820 types. */
export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;

/** One e820 entry (packed in memory as u64 addr, u64 size, u32 type). */
export interface E820Entry {
  addr: number;
  size: number;
  type: number;
}

/** End of usable low memory: the EBDA starts here (pc-platform.md 11). */
export const LOW_RAM_END = 0x9fc00;
export const HIGH_MEMORY_START = 0x100000;
/** 32-bit PCI/MMIO hole (IOAPIC, LAPIC live at its top); RAM resumes at 4 GiB. */
export const PCI_HOLE_START = 0xc000_0000;
export const FOUR_GIB = 0x1_0000_0000;
/** The ACPI tables region (e820 type 3) sits at the top of RAM below the PCI hole. */
export const ACPI_REGION_SIZE = 0x10000;

export const MIN_MEMORY_BYTES = 2 * 1024 * 1024;
export const MAX_MEMORY_BYTES = 2 ** 40;

export interface GuestMemoryLayout {
  memoryBytes: number;
  /** Sorted, disjoint; what the guest is told. */
  e820: E820Entry[];
  /** Guest-physical ranges the VMM backs with RAM (the reserved low area included). */
  ram: { gpa: number; size: number }[];
  /** The e820 ACPI region where buildAcpiTables puts the tables. */
  acpi: { gpa: number; size: number };
}

/**
 * [0, 9FC00h) RAM; [9FC00h, 1 MiB) reserved (EBDA, VGA hole, BIOS area with the RSDP);
 * [1 MiB, lowTop - 64 KiB) RAM; [lowTop - 64 KiB, lowTop) ACPI; lowTop = min(memory, 3 GiB);
 * the rest of RAM from 4 GiB up, above the PCI hole.
 */
export function buildMemoryMap(memoryBytes: number): GuestMemoryLayout {
  if (!Number.isSafeInteger(memoryBytes) || memoryBytes % 4096 !== 0) {
    throw new MemorySizeError('memory', `size must be a whole number of 4 KiB pages, got ${memoryBytes}`);
  }
  if (memoryBytes < MIN_MEMORY_BYTES || memoryBytes > MAX_MEMORY_BYTES) {
    throw new MemorySizeError('memory',
      `size ${memoryBytes} bytes is outside the supported range ${MIN_MEMORY_BYTES >> 20} MiB .. ${MAX_MEMORY_BYTES / 2 ** 30} GiB`);
  }
  const lowTop = Math.min(memoryBytes, PCI_HOLE_START);
  const high = memoryBytes - lowTop;
  const acpiBase = lowTop - ACPI_REGION_SIZE;
  const e820: E820Entry[] = [
    { addr: 0, size: LOW_RAM_END, type: E820_RAM },
    { addr: LOW_RAM_END, size: HIGH_MEMORY_START - LOW_RAM_END, type: E820_RESERVED },
    { addr: HIGH_MEMORY_START, size: acpiBase - HIGH_MEMORY_START, type: E820_RAM },
    { addr: acpiBase, size: ACPI_REGION_SIZE, type: E820_ACPI },
  ];
  const ram = [{ gpa: 0, size: lowTop }];
  if (high > 0) {
    e820.push({ addr: FOUR_GIB, size: high, type: E820_RAM });
    ram.push({ gpa: FOUR_GIB, size: high });
  }
  return { memoryBytes, e820, ram, acpi: { gpa: acpiBase, size: ACPI_REGION_SIZE } };
}

/** Highest address + 1 of usable RAM below 4 GiB. */
export function ramTopBelow4G(e820: E820Entry[]): number {
  let top = 0;
  for (const e of e820) if (e.type === E820_RAM && e.addr < FOUR_GIB) top = Math.max(top, Math.min(e.addr + e.size, FOUR_GIB));
  return top;
}
