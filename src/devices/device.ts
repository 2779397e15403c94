// The narrow interface every device implements (ARCHITECTURE.md, devices/): a device is a
// pure state machine that never knows its base address; the bus owns address ranges.

export type AccessSize = 1 | 2 | 4 | 8;

/** A region of port I/O or MMIO, as seen by the device: offsets from the start of its range. */
export interface BusDevice {
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
  /**
   * Widest access the device decodes (default: any). The bus splits wider accesses into
   * byte accesses, as the PC chipset splits a 16/32-bit cycle to an 8-bit ISA device.
   */
  readonly maxAccessSize?: AccessSize;
}

/** An interrupt line into the platform's interrupt controllers. Level-triggered when `set` is used. */
export interface IrqLine {
  set(level: boolean): void;
}

/** An IrqLine that goes nowhere (a device whose interrupt is not wired). */
export const NO_IRQ: IrqLine = { set() {} };

/** Monotonic guest time in nanoseconds (virtual: the VMM decides how it relates to host time). */
export type Clock = () => number;

/** Wall-clock time in milliseconds since the Unix epoch, UTC (like Date.now; fractions allowed). */
export type WallClock = () => number;

/** A sink for bytes a device emits (serial console output). */
export type ByteSink = (bytes: Uint8Array) => void;

/** Devices with state that can be saved and restored; restore validates and throws on bad input. */
export interface Snapshottable<S> {
  snapshot(): S;
  restore(s: S): void;
}

/**
 * All ones of an access size: what the bus returns for undecoded addresses. For 8 bytes this is
 * the largest double below 2^64 (FFFF_FFFF_FFFF_F800h): a JS number cannot hold 2^64 - 1.
 */
export function allOnes(size: AccessSize): number {
  return size >= 4 ? (size === 4 ? 0xffffffff : 0xffff_ffff * 2 ** 32 + 0xffff_f800) : size === 2 ? 0xffff : 0xff;
}

/** A snapshot that does not describe a valid device state; names the device and the field. */
export class SnapshotError extends Error {
  constructor(readonly device: string, readonly field: string, why: string) {
    super(`${device} snapshot: field '${field}' ${why}`);
    this.name = 'SnapshotError';
  }
}

/** Validating readers for plain snapshot objects (restore never trusts its input). */
export class SnapshotReader {
  constructor(private readonly device: string, private readonly obj: unknown) {
    if (typeof obj !== 'object' || obj === null) throw new SnapshotError(device, '(root)', 'is not an object');
  }

  private get(field: string): unknown {
    return (this.obj as Record<string, unknown>)[field];
  }

  int(field: string, min: number, max: number): number {
    const v = this.get(field);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new SnapshotError(this.device, field, `must be an integer in [${min}, ${max}], got ${String(v)}`);
    }
    return v;
  }

  num(field: string): number {
    const v = this.get(field);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new SnapshotError(this.device, field, 'must be a finite number');
    return v;
  }

  bool(field: string): boolean {
    const v = this.get(field);
    if (typeof v !== 'boolean') throw new SnapshotError(this.device, field, 'must be a boolean');
    return v;
  }

  bytes(field: string, maxLength: number): number[] {
    const v = this.get(field);
    if (!Array.isArray(v) || v.length > maxLength) {
      throw new SnapshotError(this.device, field, `must be an array of at most ${maxLength} bytes`);
    }
    for (const b of v) {
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 0xff) {
        throw new SnapshotError(this.device, field, 'must hold only bytes (0-255)');
      }
    }
    return v.slice() as number[];
  }

  /** A nested object, read with its own reader (field names are prefixed for errors). */
  sub(field: string): SnapshotReader {
    return new SnapshotReader(`${this.device}.${field}`, this.get(field));
  }

  array(field: string, length: number): SnapshotReader[] {
    const v = this.get(field);
    if (!Array.isArray(v) || v.length !== length) {
      throw new SnapshotError(this.device, field, `must be an array of ${length} entries`);
    }
    return v.map((e, i) => new SnapshotReader(`${this.device}.${field}[${i}]`, e));
  }
}
