// ACPI tables for the guest (pc-platform.md 10 "Minimal ACPI"; ACPI 6.x sections 5.2):
// RSDP v2 in the BIOS area, and in the e820 ACPI region: FACS, DSDT, FADT (full hardware:
// PM1a event/control and PM timer blocks, SCI 9), MADT (LAPIC per vCPU, IOAPIC, overrides,
// LAPIC NMI), XSDT and RSDT. Linux powers off by writing SLP_TYP(S5) | SLP_EN to PM1a_CNT.
import { ACPI_SLP_TYP_S5, dsdtBody } from './acpi-aml';
import { BlobWriter, alignUp } from './bytes';
import { AcpiConfigError, hex } from './errors';
import type { DataRegion } from './plan';

export { ACPI_SLP_TYP_S5 } from './acpi-aml';

/** Linux scans E0000h-FFFFFh on 16-byte boundaries (pc-platform.md 10). */
export const RSDP_GPA = 0xe0000;
export const LAPIC_BASE = 0xfee0_0000;
export const IOAPIC_BASE = 0xfec0_0000;
/** PM I/O ports (QEMU's layout): PM1a_EVT (4 bytes: status, enable), PM1a_CNT (2), PM_TMR (4). */
export const PM1A_EVT_PORT = 0x600;
export const PM1A_CNT_PORT = 0x604;
export const PM_TMR_PORT = 0x608;
export const SCI_IRQ = 9;
/** PM1_CNT bits (ACPI 6.x 4.8.3.2.1): SCI_EN, SLP_TYP 12:10, SLP_EN. */
export const PM1_CNT_SCI_EN = 1 << 0;
export const PM1_CNT_SLP_EN = 1 << 13;
/** The 16-bit value Linux writes to PM1a_CNT for power-off (possibly ORed with SCI_EN). */
export const PM1_CNT_POWER_OFF = (ACPI_SLP_TYP_S5 << 10) | PM1_CNT_SLP_EN;
/** The ACPI PM timer ticks at 3.579545 MHz; the FADT declares it 24 bits wide. */
export const PM_TIMER_HZ = 3_579_545;
/** Highest xAPIC ID a LAPIC entry can name (FFh is broadcast). */
export const MAX_CPUS = 254;

export function isPowerOffWrite(pm1Cnt: number): boolean {
  return (pm1Cnt & PM1_CNT_SLP_EN) !== 0 && ((pm1Cnt >> 10) & 7) === ACPI_SLP_TYP_S5;
}

export interface AcpiOptions {
  /** Number of vCPUs: LAPIC IDs and ACPI UIDs 0 .. cpus-1. */
  cpus: number;
  /** Where the tables go: the e820 ACPI region (buildMemoryMap(...).acpi). */
  region: { gpa: number; size: number };
  /** IOAPIC ID in the MADT (default 0, the IOAPIC's reset ID register value). */
  ioapicId?: number;
  /** Declare \_SB.PCI0 (PNP0A03) in the DSDT; default true. */
  pciHostBridge?: boolean;
}

export interface AcpiTables {
  rsdpGpa: number;
  /** The RSDP (in the reserved BIOS area) and one blob with all other tables (in the ACPI region). */
  regions: DataRegion[];
  /** Guest-physical address of each table by signature (FACS, DSDT, FACP, APIC, XSDT, RSDT). */
  tables: Record<string, number>;
}

const OEM_ID = 'TSVSR ';
const OEM_TABLE_ID = 'TSVISOR ';
const HEADER = 36;

/** ACPI 6.x 5.2.6 system description table header; checksum is filled by finish(). */
function header(w: BlobWriter, sig: string, length: number, revision: number): void {
  w.ascii(0, sig, 4);
  w.u32(4, length);
  w.u8(8, revision);
  w.ascii(10, OEM_ID, 6);
  w.ascii(16, OEM_TABLE_ID, 8);
  w.u32(24, 1); // OEM revision
  w.ascii(28, 'TSVR', 4); // creator ID
  w.u32(32, 1); // creator revision
}

/** Sets byte `at` so that bytes [0, len) sum to 0 mod 256. */
export function fixChecksum(b: Uint8Array, at: number, len = b.length): void {
  b[at] = 0;
  let sum = 0;
  for (let i = 0; i < len; i++) sum += b[i];
  b[at] = (256 - (sum & 0xff)) & 0xff;
}

function table(sig: string, revision: number, body: Uint8Array): Uint8Array {
  const w = new BlobWriter(HEADER + body.length);
  header(w, sig, HEADER + body.length, revision);
  w.set(HEADER, body);
  fixChecksum(w.bytes, 9);
  return w.bytes;
}

/** ACPI 6.x 5.2.10 FACS (64 bytes, no checksum, 64-byte aligned). */
function facs(): Uint8Array {
  const w = new BlobWriter(64);
  w.ascii(0, 'FACS', 4);
  w.u32(4, 64);
  w.u8(32, 2); // version
  return w.bytes;
}

/** Generic Address Structure (5.2.3.2) in system I/O space. */
function gasIo(w: BlobWriter, off: number, port: number, bytes: number, accessSize: number): void {
  w.u8(off, 1); // SystemIO
  w.u8(off + 1, bytes * 8);
  w.u8(off + 2, 0);
  w.u8(off + 3, accessSize); // 2 = word, 3 = dword
  w.u64(off + 4, port);
}

/** ACPI 6.x 5.2.9 FADT, revision 6 (276 bytes); offsets are from the start of the table. */
function fadt(facsGpa: number, dsdtGpa: number): Uint8Array {
  const w = new BlobWriter(276);
  header(w, 'FACP', 276, 6);
  w.u32(36, facsGpa); // FIRMWARE_CTRL (X_FIRMWARE_CTRL stays 0)
  w.u32(40, dsdtGpa);
  w.u16(46, SCI_IRQ); // SCI_INT; SMI_CMD = 0: always in ACPI mode
  w.u32(56, PM1A_EVT_PORT);
  w.u32(64, PM1A_CNT_PORT);
  w.u32(76, PM_TMR_PORT);
  w.u8(88, 4); // PM1_EVT_LEN
  w.u8(89, 2); // PM1_CNT_LEN
  w.u8(91, 4); // PM_TMR_LEN
  w.u16(96, 0x0fff); // P_LVL2_LAT > 100: no C2
  w.u16(98, 0x0fff); // P_LVL3_LAT > 1000: no C3
  w.u8(108, 0x32); // CENTURY: CMOS register 32h
  w.u16(109, 0x0007); // IAPC_BOOT_ARCH: legacy devices, 8042, no VGA
  w.u32(112, (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5)); // WBINVD, PROC_C1, PWR_BUTTON, SLP_BUTTON (none)
  w.u8(131, 0); // FADT minor version
  w.u64(140, dsdtGpa); // X_DSDT
  gasIo(w, 148, PM1A_EVT_PORT, 4, 2);
  gasIo(w, 172, PM1A_CNT_PORT, 2, 2);
  gasIo(w, 208, PM_TMR_PORT, 4, 3);
  w.ascii(268, 'TSVISOR ', 8); // hypervisor vendor identity
  fixChecksum(w.bytes, 9);
  return w.bytes;
}

/** ACPI 6.x 5.2.12 MADT: LAPICs, IOAPIC, IRQ0 -> GSI2, SCI level/high, LAPIC NMI on LINT1. */
function madt(cpus: number, ioapicId: number): Uint8Array {
  const w = new BlobWriter(8 + 8 * cpus + 12 + 10 * 2 + 6);
  w.u32(0, LAPIC_BASE);
  w.u32(4, 1); // PCAT_COMPAT: dual 8259 present
  let o = 8;
  for (let i = 0; i < cpus; i++, o += 8) {
    w.u8(o, 0); w.u8(o + 1, 8); w.u8(o + 2, i); w.u8(o + 3, i); w.u32(o + 4, 1); // enabled
  }
  w.u8(o, 1); w.u8(o + 1, 12); w.u8(o + 2, ioapicId); w.u32(o + 4, IOAPIC_BASE); w.u32(o + 8, 0);
  o += 12;
  const iso = (irq: number, gsi: number, flags: number): void => {
    w.u8(o, 2); w.u8(o + 1, 10); w.u8(o + 2, 0); w.u8(o + 3, irq); w.u32(o + 4, gsi); w.u16(o + 8, flags);
    o += 10;
  };
  iso(0, 2, 0); // PIT: conforming
  iso(SCI_IRQ, SCI_IRQ, 0x000d); // SCI: active high (01), level (11)
  w.u8(o, 4); w.u8(o + 1, 6); w.u8(o + 2, 0xff); w.u16(o + 3, 0); w.u8(o + 5, 1); // NMI on LINT1, all CPUs
  return table('APIC', 3, w.bytes);
}

function pointerTable(sig: 'XSDT' | 'RSDT', entries: number[]): Uint8Array {
  const width = sig === 'XSDT' ? 8 : 4;
  const w = new BlobWriter(entries.length * width);
  entries.forEach((a, i) => (width === 8 ? w.u64(i * 8, a) : w.u32(i * 4, a)));
  return table(sig, 1, w.bytes);
}

/** ACPI 6.x 5.2.5.3 RSDP revision 2: checksum over 20 bytes, extended checksum over 36. */
function rsdp(rsdtGpa: number, xsdtGpa: number): Uint8Array {
  const w = new BlobWriter(36);
  w.ascii(0, 'RSD PTR ', 8);
  w.ascii(9, OEM_ID, 6);
  w.u8(15, 2);
  w.u32(16, rsdtGpa);
  w.u32(20, 36);
  w.u64(24, xsdtGpa);
  fixChecksum(w.bytes, 8, 20);
  fixChecksum(w.bytes, 32, 36);
  return w.bytes;
}

export function buildAcpiTables(o: AcpiOptions): AcpiTables {
  if (!Number.isInteger(o.cpus) || o.cpus < 1 || o.cpus > MAX_CPUS) {
    throw new AcpiConfigError('acpi', `vCPU count ${o.cpus} is outside 1..${MAX_CPUS} (xAPIC IDs)`);
  }
  const ioapicId = o.ioapicId ?? 0;
  if (!Number.isInteger(ioapicId) || ioapicId < 0 || ioapicId > 0xff) {
    throw new AcpiConfigError('acpi', `IOAPIC ID ${ioapicId} is outside 0..255`);
  }
  if (o.region.gpa % 64 !== 0 || o.region.gpa + o.region.size > 0x1_0000_0000) {
    throw new AcpiConfigError('acpi', `the ACPI region at ${hex(o.region.gpa)} must be 64-byte aligned and below 4 GiB`);
  }
  // Layout inside the region: each table 16-byte aligned, FACS first (64-byte aligned).
  const parts: { sig: string; bytes: Uint8Array }[] = [];
  const at: Record<string, number> = {};
  let off = 0;
  const place = (sig: string, make: () => Uint8Array): void => {
    const bytes = make();
    at[sig] = o.region.gpa + off;
    parts.push({ sig, bytes });
    off = alignUp(off + bytes.length, 16);
  };
  place('FACS', facs);
  place('DSDT', () => table('DSDT', 2, dsdtBody(o.pciHostBridge ?? true)));
  place('FACP', () => fadt(at.FACS, at.DSDT));
  place('APIC', () => madt(o.cpus, ioapicId));
  place('XSDT', () => pointerTable('XSDT', [at.FACP, at.APIC]));
  place('RSDT', () => pointerTable('RSDT', [at.FACP, at.APIC]));
  if (off > o.region.size) {
    throw new AcpiConfigError('acpi', `the tables need ${off} bytes but the ACPI region holds ${o.region.size}`);
  }
  const blob = new Uint8Array(off);
  for (const p of parts) blob.set(p.bytes, at[p.sig] - o.region.gpa);
  return {
    rsdpGpa: RSDP_GPA,
    regions: [
      { kind: 'data', gpa: RSDP_GPA, bytes: rsdp(at.RSDT, at.XSDT), what: 'ACPI RSDP' },
      { kind: 'data', gpa: o.region.gpa, bytes: blob, what: 'ACPI tables' },
    ],
    tables: at,
  };
}
