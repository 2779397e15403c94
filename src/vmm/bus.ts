// The PIO and MMIO buses (ARCHITECTURE.md, vmm/): the bus owns address ranges, a device only
// sees offsets. Modelled on Firecracker's `Bus` (overlaps rejected at registration).
//
// Dispatch rules:
// - An access that lies wholly inside one device's range, and is no wider than the device's
//   `maxAccessSize`, goes to that device once, with the offset from the range's base.
// - Any other access (spanning two ranges, running off a range's end, or wider than the device
//   decodes) is split into byte accesses, each dispatched on its own, as the PC chipset splits
//   cycles to 8-bit ISA devices. Bytes are little-endian. Split accesses are counted.
// - Unclaimed bytes read as all ones and writes to them are dropped; both are counted.
// Values of 8-byte accesses are JS numbers: exact only below 2^53 (the VcpuExit carries a number).
import { AccessSize, BusDevice, allOnes } from '../devices/device';

/** Registration of a range that overlaps one already on the bus. */
export class BusOverlapError extends Error {
  constructor(readonly bus: string, readonly deviceName: string, readonly existing: string, base: number, length: number) {
    super(`${bus}: '${deviceName}' at 0x${base.toString(16)} (+0x${length.toString(16)}) overlaps '${existing}'`);
    this.name = 'BusOverlapError';
  }
}

/** Registration of a range outside the bus's address space, or of zero or non-integer length. */
export class BusRangeError extends Error {
  constructor(readonly bus: string, readonly deviceName: string, base: number, length: number, limit: number) {
    super(`${bus}: '${deviceName}' range 0x${base.toString(16)} (+0x${length.toString(16)}) is not inside [0, 0x${limit.toString(16)})`);
    this.name = 'BusRangeError';
  }
}

export interface BusRange {
  readonly base: number;
  readonly length: number;
  readonly device: BusDevice;
  readonly name: string;
}

export interface BusStats {
  unclaimedReads: number;
  unclaimedWrites: number;
  splitAccesses: number;
}

/** A bus over [0, limit): ranges kept sorted by base, looked up by binary search. */
export class Bus {
  readonly stats: BusStats = { unclaimedReads: 0, unclaimedWrites: 0, splitAccesses: 0 };
  private ranges: BusRange[] = [];
  private last: BusRange | null = null; // one-entry lookup cache

  constructor(readonly busName: string, readonly limit: number) {}

  register(base: number, length: number, device: BusDevice, name: string): void {
    if (!Number.isSafeInteger(base) || !Number.isSafeInteger(length) || base < 0 || length <= 0 || base + length > this.limit) {
      throw new BusRangeError(this.busName, name, base, length, this.limit);
    }
    for (const r of this.ranges) {
      if (base < r.base + r.length && r.base < base + length) throw new BusOverlapError(this.busName, name, r.name, base, length);
    }
    this.ranges.push({ base, length, device, name });
    this.ranges.sort((a, b) => a.base - b.base);
    this.onChange();
  }

  /** Removes the range registered at `base` (a PCI BAR moving); returns whether one was there. */
  unregister(base: number): boolean {
    const i = this.ranges.findIndex((r) => r.base === base);
    if (i < 0) return false;
    this.ranges.splice(i, 1);
    this.last = null;
    this.onChange();
    return true;
  }

  /** The range holding `addr`, or null. */
  find(addr: number): BusRange | null {
    const l = this.last;
    if (l !== null && addr >= l.base && addr < l.base + l.length) return l;
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid];
      if (addr < r.base) hi = mid - 1;
      else if (addr >= r.base + r.length) lo = mid + 1;
      else return (this.last = r);
    }
    return null;
  }

  /** Registered ranges, sorted by base (for `info` displays and tests). */
  list(): readonly BusRange[] {
    return this.ranges;
  }

  read(addr: number, size: AccessSize): number {
    const r = this.find(addr);
    if (r !== null && fits(r, addr, size)) return r.device.read(addr - r.base, size);
    if (size === 1) {
      this.stats.unclaimedReads++;
      return 0xff;
    }
    if (r === null && this.find(addr + size - 1) === null && !this.anyInside(addr, size)) {
      this.stats.unclaimedReads++;
      return allOnes(size);
    }
    this.stats.splitAccesses++;
    let v = 0;
    let scale = 1;
    for (let i = 0; i < size; i++, scale *= 256) v += this.readByte(addr + i) * scale; // ascending, as the chipset does
    return v;
  }

  write(addr: number, size: AccessSize, value: number): void {
    const r = this.find(addr);
    if (r !== null && fits(r, addr, size)) {
      r.device.write(addr - r.base, size, value);
      return;
    }
    if (size === 1) {
      this.stats.unclaimedWrites++;
      return;
    }
    if (r === null && this.find(addr + size - 1) === null && !this.anyInside(addr, size)) {
      this.stats.unclaimedWrites++;
      return;
    }
    this.stats.splitAccesses++;
    let v = size === 8 ? Math.max(0, Math.trunc(value)) : value >>> 0;
    for (let i = 0; i < size; i++) {
      this.writeByte(addr + i, v % 256);
      v = Math.floor(v / 256);
    }
  }

  /** Hook for subclasses that keep a faster index. */
  protected onChange(): void {}

  private readByte(addr: number): number {
    const r = this.find(addr);
    if (r === null) {
      this.stats.unclaimedReads++;
      return 0xff;
    }
    return r.device.read(addr - r.base, 1) & 0xff;
  }

  private writeByte(addr: number, b: number): void {
    const r = this.find(addr);
    if (r === null) this.stats.unclaimedWrites++;
    else r.device.write(addr - r.base, 1, b);
  }

  /** Whether any range starts strictly inside (addr, addr + size). */
  private anyInside(addr: number, size: number): boolean {
    for (let a = addr + 1; a < addr + size - 1; a++) if (this.find(a) !== null) return true;
    return false;
  }
}

function fits(r: BusRange, addr: number, size: AccessSize): boolean {
  return addr + size <= r.base + r.length && size <= (r.device.maxAccessSize ?? 8);
}

/** Port I/O: 64 KiB of ports, 1/2/4-byte accesses (IN/OUT). */
export class PioBus extends Bus {
  constructor() {
    super('pio', 0x10000);
  }
}

/** MMIO: guest-physical addresses below 2^52 (the architectural physical-address limit). */
export class MmioBus extends Bus {
  constructor() {
    super('mmio', 2 ** 52);
  }
}
