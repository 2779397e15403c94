// The VMCB, defined once as data (svm.md 3 and 4 / APM Vol.2 App. B).
// One 4 KiB page: control area 000h-3FFh, state save area 400h-FFFh.
// VMCB (name -> offset) and VMCB_WIDTH (name -> bytes) are generated from the
// table at module load. The CPU hot path uses the offsets directly:
//   mem.read32(vmcb + VMCB.EXITCODE)
// VmcbView is a convenience accessor for the hypervisor, tests and tools.

import type { PhysMem } from '../phys-mem';

export const VMCB_SIZE = 0x1000;
/** Start of the state save area; save-area offsets in svm.md 4 are relative to it. */
export const VMCB_SAVE_AREA = 0x400;

export type VmcbWidth = 1 | 2 | 4 | 8;

export interface VmcbField {
  readonly name: VmcbFieldName;
  /** Absolute byte offset inside the VMCB page. */
  readonly offset: number;
  /** Element width in bytes. */
  readonly width: VmcbWidth;
  /** Number of consecutive elements (1 except for byte arrays such as GUEST_INSN_BYTES). */
  readonly count: number;
}

// svm.md 3, table "VMCB control area". Reserved gaps are left out.
const CONTROL = [
  ['INTERCEPT_CR', 0x000, 4], // bits 15:0 read CR0-15, 31:16 write CR0-15
  ['INTERCEPT_DR', 0x004, 4], // bits 15:0 read DR0-15, 31:16 write DR0-15
  ['INTERCEPT_EXCEPTIONS', 0x008, 4], // bit n = vector n
  ['INTERCEPT_WORD3', 0x00c, 4], // svm.md 3.1
  ['INTERCEPT_WORD4', 0x010, 4], // svm.md 3.2
  ['INTERCEPT_WORD5', 0x014, 4], // svm.md 3.3
  ['PAUSE_FILTER_THRESHOLD', 0x03c, 2],
  ['PAUSE_FILTER_COUNT', 0x03e, 2],
  ['IOPM_BASE_PA', 0x040, 8], // bits 11:0 ignored
  ['MSRPM_BASE_PA', 0x048, 8], // bits 11:0 ignored
  ['TSC_OFFSET', 0x050, 8],
  ['GUEST_ASID', 0x058, 4], // 0 is illegal (svm.md 13)
  ['TLB_CONTROL', 0x05c, 1], // svm.md 3.6
  ['ERAP_CTL', 0x05d, 1],
  ['V_INTR', 0x060, 8], // svm.md 3.4; V_INTR_VECTOR is the low byte of 064h
  ['INTERRUPT_STATE', 0x068, 8], // svm.md 3.5: bit 0 INTERRUPT_SHADOW
  ['EXITCODE', 0x070, 8], // sign-extended; -1 = INVALID
  ['EXITINFO1', 0x078, 8],
  ['EXITINFO2', 0x080, 8],
  ['EXITINTINFO', 0x088, 4], // svm.md 7
  ['EXITINTINFO_ERR', 0x08c, 4],
  ['MISC_CTL1', 0x090, 8], // svm.md 3.7: bit 0 NP_ENABLE
  ['AVIC_APIC_BAR', 0x098, 8],
  ['GHCB_GPA', 0x0a0, 8], // SEV-ES
  ['EVENTINJ', 0x0a8, 4], // svm.md 7
  ['EVENTINJ_ERR', 0x0ac, 4],
  ['N_CR3', 0x0b0, 8], // nested page table root (host PA)
  ['MISC_CTL2', 0x0b8, 8], // bit 0 LBR_VIRT_ENABLE, bit 1 VMSAVE/VMLOAD virtualization
  ['VMCB_CLEAN', 0x0c0, 4], // svm.md 3.8
  ['NRIP', 0x0c8, 8], // next sequential RIP (NRIPS)
  ['GUEST_INSN_LEN', 0x0d0, 1], // decode assists: bytes fetched (0-15)
  ['GUEST_INSN_BYTES', 0x0d1, 1, 15],
  ['AVIC_BACKING_PAGE', 0x0e0, 8],
  ['AVIC_LOGICAL_TABLE', 0x0f0, 8],
  ['AVIC_PHYSICAL_TABLE', 0x0f8, 8],
  ['VMSA_PA', 0x108, 8], // SEV-ES
  ['BUS_LOCK_COUNTER', 0x120, 2],
  ['ALLOWED_SEV_FEATURES', 0x138, 8],
  ['GUEST_SEV_FEATURES', 0x140, 8],
  ['HOST_SOFTWARE_RESERVED', 0x3e0, 8, 4], // CPU never touches it
] as const;

// svm.md 4: segment records, 16 bytes each: +0 selector, +2 attrib, +4 limit, +8 base.
// GDTR and IDTR use only the limit (low 16 bits) and the base.
const SEGMENTS = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'GDTR', 'LDTR', 'IDTR', 'TR'] as const;
const SEG_PARTS = [
  ['SELECTOR', 0, 2],
  ['ATTRIB', 2, 2],
  ['LIMIT', 4, 4],
  ['BASE', 8, 8],
] as const;

// svm.md 4, offsets relative to the save area (absolute = 400h + rel).
const SAVE = [
  ['VMPL', 0x0ca, 1], // SEV-SNP
  ['CPL', 0x0cb, 1],
  ['EFER', 0x0d0, 8],
  ['CR4', 0x148, 8],
  ['CR3', 0x150, 8],
  ['CR0', 0x158, 8],
  ['DR7', 0x160, 8],
  ['DR6', 0x168, 8],
  ['RFLAGS', 0x170, 8],
  ['RIP', 0x178, 8],
  ['RSP', 0x1d8, 8],
  ['S_CET', 0x1e0, 8],
  ['SSP', 0x1e8, 8],
  ['ISST_ADDR', 0x1f0, 8],
  ['RAX', 0x1f8, 8],
  ['STAR', 0x200, 8],
  ['LSTAR', 0x208, 8],
  ['CSTAR', 0x210, 8],
  ['SFMASK', 0x218, 8],
  ['KERNEL_GS_BASE', 0x220, 8],
  ['SYSENTER_CS', 0x228, 8],
  ['SYSENTER_ESP', 0x230, 8],
  ['SYSENTER_EIP', 0x238, 8],
  ['CR2', 0x240, 8],
  ['G_PAT', 0x268, 8], // used only with NP
  ['DBGCTL', 0x270, 8],
  ['BR_FROM', 0x278, 8],
  ['BR_TO', 0x280, 8],
  ['LASTEXCPFROM', 0x288, 8],
  ['LASTEXCPTO', 0x290, 8],
  ['SPEC_CTRL', 0x2e0, 8],
] as const;

export type VmcbSegment = (typeof SEGMENTS)[number];
export type VmcbFieldName =
  | (typeof CONTROL)[number][0]
  | `${VmcbSegment}_${(typeof SEG_PARTS)[number][0]}`
  | (typeof SAVE)[number][0];

function buildTable(): readonly VmcbField[] {
  const out: VmcbField[] = [];
  const add = (name: string, offset: number, width: number, count = 1): void => {
    out.push(Object.freeze({ name: name as VmcbFieldName, offset, width: width as VmcbWidth, count }));
  };
  for (const f of CONTROL) {
    const [name, offset, width, count = 1] = f as readonly [string, number, number, number?];
    add(name, offset, width, count);
  }
  SEGMENTS.forEach((seg, i) => {
    for (const [part, rel, width] of SEG_PARTS) add(`${seg}_${part}`, VMCB_SAVE_AREA + 16 * i + rel, width);
  });
  for (const [name, rel, width] of SAVE) add(name, VMCB_SAVE_AREA + rel, width);
  return Object.freeze(out);
}

/** Every VMCB field, in offset order. */
export const VMCB_FIELDS: readonly VmcbField[] = buildTable();

// Object.fromEntries keeps V8 "fast properties" (a plain keyed-store loop would
// turn a 100+ key object into a slow dictionary); the hot path reads VMCB.X.
function buildMap<T>(pick: (f: VmcbField) => T): Readonly<Record<VmcbFieldName, T>> {
  return Object.freeze(Object.fromEntries(VMCB_FIELDS.map((f) => [f.name, pick(f)])) as Record<VmcbFieldName, T>);
}

/** Field name -> absolute offset in the VMCB page. */
export const VMCB: Readonly<Record<VmcbFieldName, number>> = buildMap((f) => f.offset);
/** Field name -> element width in bytes. */
export const VMCB_WIDTH: Readonly<Record<VmcbFieldName, VmcbWidth>> = buildMap((f) => f.width);

const BY_NAME: ReadonlyMap<string, VmcbField> = new Map(VMCB_FIELDS.map((f) => [f.name, f]));

/** Looks a field up by name; throws on an unknown name (for tools taking strings). */
export function vmcbField(name: string): VmcbField {
  const f = BY_NAME.get(name);
  if (f === undefined) throw new RangeError(`unknown VMCB field '${name}'`);
  return f;
}

// ---- Bits inside control fields (svm.md 3.4-3.8) ----

/** V_INTR (060h) low dword; V_INTR_VECTOR is bits 7:0 of the high dword (064h). svm.md 3.4 */
export const VIntr = Object.freeze({
  V_TPR_MASK: 0xff,
  V_IRQ: 1 << 8,
  V_GIF: 1 << 9,
  V_NMI: 1 << 11,
  V_NMI_MASK: 1 << 12,
  V_INTR_PRIO_SHIFT: 16,
  V_INTR_PRIO_MASK: 0xf,
  V_IGN_TPR: 1 << 20,
  V_INTR_MASKING: 1 << 24,
  V_GIF_ENABLE: 1 << 25,
  V_NMI_ENABLE: 1 << 26,
  X2AVIC_ENABLE: 1 << 30,
  AVIC_ENABLE: 1 << 31,
});

/** INTERRUPT_STATE (068h). svm.md 3.5 */
export const IntState = Object.freeze({ INTERRUPT_SHADOW: 1 << 0, GUEST_INTERRUPT_MASK: 1 << 1 });

/** TLB_CONTROL (05Ch) values. svm.md 3.6 */
export const TlbControl = Object.freeze({ DO_NOTHING: 0, FLUSH_ALL: 1, FLUSH_ASID: 3, FLUSH_ASID_NON_GLOBAL: 7 });

/** MISC_CTL1 (090h) low dword. svm.md 3.7 */
export const MiscCtl1 = Object.freeze({ NP_ENABLE: 1 << 0, SEV_ENABLE: 1 << 1, SEV_ES_ENABLE: 1 << 2, GMET_ENABLE: 1 << 3 });

/** MISC_CTL2 (0B8h) low dword. svm.md 3 */
export const MiscCtl2 = Object.freeze({ LBR_VIRT_ENABLE: 1 << 0, VMSAVE_VMLOAD_VIRT: 1 << 1 });

/** VMCB_CLEAN (0C0h) group bits. svm.md 3.8 */
export const VmcbClean = Object.freeze({
  I: 1 << 0, IOPM: 1 << 1, ASID: 1 << 2, TPR: 1 << 3, NP: 1 << 4, CRX: 1 << 5, DRX: 1 << 6,
  DT: 1 << 7, SEG: 1 << 8, CR2: 1 << 9, LBR: 1 << 10, AVIC: 1 << 11, CET: 1 << 12,
});

/** Maximum bytes in GUEST_INSN_BYTES (0D1h). */
export const GUEST_INSN_BYTES_MAX = 15;

// ---- Accessor (not for the hot path) ----

const TWO32 = 0x100000000;

/**
 * Typed access to one VMCB at host-physical address `hpa`. 32-bit values are
 * signed int32 like PhysMem.read32; 64-bit values are lo/hi int32 pairs, or an
 * exact number (readU64n), or a bigint (read/write, for tests and tools only).
 */
export class VmcbView {
  constructor(readonly mem: PhysMem, readonly hpa: number) {}

  addr(name: VmcbFieldName): number {
    return this.hpa + vmcbField(name).offset;
  }

  /** Width-4 field, or the low dword of a width-8 field; signed int32. */
  read32(name: VmcbFieldName): number {
    const f = need(name, 4, 8);
    return this.mem.read32(this.hpa + f.offset);
  }
  /** Width-4 fields only (use write64 for 8-byte fields). */
  write32(name: VmcbFieldName, v: number): void {
    const f = need(name, 4);
    this.mem.write32(this.hpa + f.offset, v);
  }
  /** Low dword of an 8-byte field, signed int32. */
  readLo(name: VmcbFieldName): number {
    return this.mem.read32(this.hpa + need(name, 8).offset);
  }
  /** High dword of an 8-byte field, signed int32. */
  readHi(name: VmcbFieldName): number {
    return this.mem.read32(this.hpa + need(name, 8).offset + 4);
  }
  write64(name: VmcbFieldName, lo: number, hi: number): void {
    const a = this.hpa + need(name, 8).offset;
    this.mem.write32(a, lo);
    this.mem.write32(a + 4, hi);
  }
  /** 8-byte field as an exact JS number; throws RangeError if it needs more than 53 bits. */
  readU64n(name: VmcbFieldName): number {
    const a = this.hpa + need(name, 8).offset;
    const hi = this.mem.read32(a + 4) >>> 0;
    if (hi > 0x1fffff) throw new RangeError(`VMCB ${name} exceeds 2^53`);
    return hi * TWO32 + (this.mem.read32(a) >>> 0);
  }

  /** Generic read by width: unsigned number for 1/2/4 bytes, bigint for 8 (tests/tools). */
  read(name: VmcbFieldName): number | bigint {
    const f = vmcbField(name);
    const a = this.hpa + f.offset;
    switch (f.width) {
      case 1: return this.mem.read8(a);
      case 2: return this.mem.read16(a);
      case 4: return this.mem.read32(a) >>> 0;
      case 8: return (BigInt(this.mem.read32(a + 4) >>> 0) << 32n) | BigInt(this.mem.read32(a) >>> 0);
    }
  }
  /** Generic write by width, truncating to the field (negative values as two's complement). */
  write(name: VmcbFieldName, value: number | bigint): void {
    const f = vmcbField(name);
    const a = this.hpa + f.offset;
    if (typeof value === 'number' && !Number.isInteger(value)) throw new RangeError(`VMCB ${name}: ${value} is not an integer`);
    const v = BigInt.asUintN(64, BigInt(value));
    const lo = Number(v & 0xffffffffn);
    switch (f.width) {
      case 1: this.mem.write8(a, lo & 0xff); break;
      case 2: this.mem.write16(a, lo); break;
      case 4: this.mem.write32(a, lo); break;
      case 8:
        this.mem.write32(a, lo);
        this.mem.write32(a + 4, Number(v >> 32n));
        break;
    }
  }
}

function need(name: VmcbFieldName, ...widths: number[]): VmcbField {
  const f = vmcbField(name);
  if (!widths.includes(f.width)) throw new RangeError(`VMCB ${name} is ${f.width} bytes wide, expected ${widths.join(' or ')}`);
  return f;
}
