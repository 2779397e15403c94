// A PCI function's 256-byte type 0 configuration space (pc-platform.md section 7) with
// per-byte writable and write-1-to-clear masks. BAR sizing falls out of the masks: a BAR's
// writable bits are ~(size-1) above its type bits, so writing FFFF_FFFFh reads back
// ~(size-1) | type. Virtio-pci and other functions build on this class.
import type { Snapshottable } from './device';

/** Configuration header offsets (type 0). */
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_LATENCY_TIMER = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BAR0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;
export const PCI_CONFIG_SIZE = 256;

export const PCI_COMMAND_IO = 1 << 0;
export const PCI_COMMAND_MEMORY = 1 << 1;
export const PCI_COMMAND_MASTER = 1 << 2;
export const PCI_COMMAND_PARITY = 1 << 6;
export const PCI_COMMAND_SERR = 1 << 8;
export const PCI_COMMAND_INTX_DISABLE = 1 << 10;
export const PCI_STATUS_INTERRUPT = 1 << 3;
export const PCI_STATUS_CAP_LIST = 1 << 4;
/** Error bits: master data parity, signaled/received target and master abort, SERR, parity. */
const PCI_STATUS_ERRORS_W1C = 0xf900;
export const PCI_HEADER_MULTIFUNCTION = 0x80;

/** A function as the configuration mechanism sees it: `reg` is the byte offset 0-255. */
export interface PciFunction {
  configRead(reg: number, size: 1 | 2 | 4): number;
  configWrite(reg: number, size: 1 | 2 | 4, value: number): void;
}

export interface PciIdentity {
  vendorId: number;
  deviceId: number;
  /** 24-bit class code: class << 16 | subclass << 8 | prog-if. */
  classCode: number;
  revision?: number;
  subsystemVendorId?: number;
  subsystemId?: number;
  /** 0 none, 1-4 INTA#-INTD#. */
  interruptPin?: number;
  multifunction?: boolean;
}

export type PciBarKind = 'io' | 'mem32' | 'mem64';

export interface PciBarSpec {
  kind: PciBarKind;
  /** Power of two; at least 4 for I/O and 16 for memory; I/O at most 256 (PCI 3.0 6.2.5.1). */
  size: number;
  prefetchable?: boolean;
}

export class PciConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PciConfigError';
  }
}

export interface PciConfigSnapshot { bytes: number[] }

export class PciConfigSpace implements PciFunction, Snapshottable<PciConfigSnapshot> {
  readonly bytes = new Uint8Array(PCI_CONFIG_SIZE);
  private readonly wmask = new Uint8Array(PCI_CONFIG_SIZE);
  private readonly w1cmask = new Uint8Array(PCI_CONFIG_SIZE);
  private readonly bars: (PciBarSpec | undefined)[] = new Array(6).fill(undefined);
  /** True for the upper dword of a 64-bit BAR. */
  private readonly upperHalf: boolean[] = new Array(6).fill(false);
  /** Next free byte for a capability (section 7: capabilities start at 40h, dword aligned). */
  private capNext = 0x40;
  private capLast = 0;

  constructor(id: PciIdentity) {
    this.set16(PCI_VENDOR_ID, id.vendorId);
    this.set16(PCI_DEVICE_ID, id.deviceId);
    // 08h revision, 09h prog-if, 0Ah subclass, 0Bh class.
    this.set32(PCI_REVISION_ID, ((id.classCode & 0xff_ffff) * 256 + ((id.revision ?? 0) & 0xff)) >>> 0);
    this.bytes[PCI_HEADER_TYPE] = id.multifunction ? PCI_HEADER_MULTIFUNCTION : 0;
    this.set16(PCI_SUBSYSTEM_VENDOR_ID, id.subsystemVendorId ?? 0);
    this.set16(PCI_SUBSYSTEM_ID, id.subsystemId ?? 0);
    this.bytes[PCI_INTERRUPT_PIN] = id.interruptPin ?? 0;
    const cmd = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY
      | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE;
    this.setWritable(PCI_COMMAND, 2, cmd);
    this.setW1C(PCI_STATUS, 2, PCI_STATUS_ERRORS_W1C);
    this.setWritable(PCI_CACHE_LINE_SIZE, 1, 0xff);
    this.setWritable(PCI_LATENCY_TIMER, 1, 0xff);
    this.setWritable(PCI_INTERRUPT_LINE, 1, 0xff);
  }

  // --- building the function ---------------------------------------------------------------

  /** Declares BAR `index` (0-5); a 64-bit BAR also takes index+1. Writable bits give sizing. */
  addBar(index: number, spec: PciBarSpec): void {
    const { kind, size } = spec;
    const wide = kind === 'mem64';
    if (!Number.isInteger(index) || index < 0 || index > (wide ? 4 : 5)) throw new PciConfigError(`BAR index ${index} is out of range for a ${kind} BAR`);
    if (this.bars[index] || (wide && this.bars[index + 1])) throw new PciConfigError(`BAR ${index} is already defined`);
    const min = kind === 'io' ? 4 : 16;
    const max = kind === 'io' ? 256 : kind === 'mem32' ? 2 ** 31 : 2 ** 52;
    if (!Number.isInteger(size) || size < min || size > max || 2 ** Math.round(Math.log2(size)) !== size) {
      throw new PciConfigError(`BAR ${index} size ${size} must be a power of two between ${min} and ${max}`);
    }
    const off = PCI_BAR0 + 4 * index;
    const type = kind === 'io' ? 1 : (wide ? 4 : 0) | (spec.prefetchable ? 8 : 0);
    const typeBits = kind === 'io' ? 3 : 0xf;
    this.set32(off, type);
    this.setWritable(off, 4, (mod32(-size) & ~typeBits) >>> 0);
    this.bars[index] = spec;
    if (wide) {
      this.setWritable(off + 4, 4, mod32(-Math.ceil(size / 2 ** 32)));
      this.bars[index + 1] = spec;
      this.upperHalf[index + 1] = true;
    }
  }

  /** Appends a capability with ID `capId` and `length` bytes (including the 2-byte header);
   *  returns its offset. The chain pointer and status bit are maintained here. */
  addCapability(capId: number, length: number): number {
    const off = this.capNext;
    if (!Number.isInteger(length) || length < 2 || off + length > PCI_CONFIG_SIZE) throw new PciConfigError(`capability ${capId} of ${length} bytes does not fit in config space`);
    this.bytes[off] = capId;
    this.bytes[off + 1] = 0;
    if (this.capLast) this.bytes[this.capLast + 1] = off;
    else this.bytes[PCI_CAPABILITY_LIST] = off;
    this.set16(PCI_STATUS, this.get16(PCI_STATUS) | PCI_STATUS_CAP_LIST);
    this.capLast = off;
    this.capNext = (off + length + 3) & ~3;
    return off;
  }

  /** Makes the bits in `mask` of the `size`-byte field at `off` guest-writable. */
  setWritable(off: number, size: number, mask: number): void {
    for (let i = 0; i < size; i++) this.wmask[off + i] = (mask / 2 ** (8 * i)) & 0xff;
  }

  /** Makes the bits in `mask` write-1-to-clear (status style). */
  setW1C(off: number, size: number, mask: number): void {
    for (let i = 0; i < size; i++) this.w1cmask[off + i] = (mask / 2 ** (8 * i)) & 0xff;
  }

  // --- device-side access (no masks) -------------------------------------------------------

  get8(off: number): number { return this.bytes[off]!; }
  get16(off: number): number { return this.bytes[off]! | (this.bytes[off + 1]! << 8); }
  get32(off: number): number { return (this.get16(off) | (this.get16(off + 2) << 16)) >>> 0; }
  set8(off: number, v: number): void { this.bytes[off] = v; }
  set16(off: number, v: number): void { this.bytes[off] = v; this.bytes[off + 1] = v >>> 8; }
  set32(off: number, v: number): void { this.set16(off, v & 0xffff); this.set16(off + 2, v >>> 16); }

  get command(): number { return this.get16(PCI_COMMAND); }
  get interruptLine(): number { return this.bytes[PCI_INTERRUPT_LINE]!; }

  /** Sets or clears status bit 3 (the function's INTx state, section 7). */
  setInterruptStatus(on: boolean): void {
    const s = this.get16(PCI_STATUS);
    this.set16(PCI_STATUS, on ? s | PCI_STATUS_INTERRUPT : s & ~PCI_STATUS_INTERRUPT);
  }

  /** The base address programmed into BAR `index` (type bits removed; 64-bit BARs combined),
   *  or undefined if the BAR is not defined or is the upper half of a 64-bit BAR. */
  barAddress(index: number): number | undefined {
    const spec = this.bars[index];
    if (!spec || this.upperHalf[index]) return undefined;
    const off = PCI_BAR0 + 4 * index;
    const lo = this.get32(off);
    if (spec.kind === 'io') return (lo & ~3) >>> 0;
    const base = (lo & ~0xf) >>> 0;
    return spec.kind === 'mem64' ? base + this.get32(off + 4) * 2 ** 32 : base;
  }

  barSpec(index: number): PciBarSpec | undefined { return this.bars[index]; }

  // --- guest-side access (PciFunction) -----------------------------------------------------

  configRead(reg: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) {
      const off = reg + i;
      v = v * 256 + (off >= 0 && off < PCI_CONFIG_SIZE ? this.bytes[off]! : 0xff);
    }
    return v;
  }

  configWrite(reg: number, size: 1 | 2 | 4, value: number): void {
    for (let i = 0; i < size; i++) {
      const off = reg + i;
      if (off < 0 || off >= PCI_CONFIG_SIZE) continue;
      const b = Math.floor(value / 2 ** (8 * i)) & 0xff;
      const w = this.wmask[off]!;
      this.bytes[off] = ((this.bytes[off]! & ~w) | (b & w)) & ~(b & this.w1cmask[off]!);
    }
  }

  snapshot(): PciConfigSnapshot { return { bytes: Array.from(this.bytes) }; }

  /** Restores the register values; the layout (masks, BARs, capabilities) comes from the constructor. */
  restore(s: PciConfigSnapshot): void {
    if (!s || !Array.isArray(s.bytes) || s.bytes.length !== PCI_CONFIG_SIZE
      || !s.bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 0xff)) {
      throw new PciConfigError('PCI config snapshot must hold 256 byte values');
    }
    // Only guest-writable bits are taken; read-only identity stays as built.
    s.bytes.forEach((b, i) => {
      const w = this.wmask[i]! | this.w1cmask[i]!;
      this.bytes[i] = (this.bytes[i]! & ~w) | (b & w);
    });
  }
}

function mod32(v: number): number {
  return ((v % 2 ** 32) + 2 ** 32) % 2 ** 32;
}
