// 82093AA-style I/O APIC (pc-platform.md section 9), version 11h with 24 pins, at FEC0_0000h.
// MMIO: IOREGSEL at 00h, IOWIN at 10h, and the EOI register at 40h (a version-20h feature that
// KVM also accepts on 11h parts; harmless). Pins take the *asserted* state of the line: like
// QEMU and KVM, the polarity bit is stored and reported but not applied, because platform
// devices signal assertion, not electrical level.
import type { AccessSize, BusDevice, Snapshottable } from './device';

export const IOAPIC_BASE = 0xfec0_0000;
export const IOAPIC_MMIO_SIZE = 0x1000;
export const IOAPIC_PINS = 24;
export const IOAPIC_VERSION = 0x11;

/** Register offsets in the MMIO window and indirect register indexes (section 9). */
export const IOREGSEL = 0x00;
export const IOWIN = 0x10;
export const IOAPIC_EOI = 0x40;
export const IOAPICID = 0x00;
export const IOAPICVER = 0x01;
export const IOAPICARB = 0x02;
export const IOREDTBL = 0x10;

/** Redirection entry delivery modes, bits 10:8. */
export const DeliveryMode = {
  Fixed: 0, LowestPriority: 1, SMI: 2, NMI: 4, INIT: 5, ExtINT: 7,
} as const;

/** Redirection entry low-dword bits (section 9). */
export const RTE_VECTOR = 0xff;
export const RTE_DELIVERY_STATUS = 1 << 12;
export const RTE_POLARITY_LOW = 1 << 13;
export const RTE_REMOTE_IRR = 1 << 14;
export const RTE_LEVEL = 1 << 15;
export const RTE_MASKED = 1 << 16;
/** Guest-writable bits: vector, delivery mode, destination mode, polarity, trigger, mask. */
const RTE_LO_WRITABLE = 0xfff | RTE_POLARITY_LOW | RTE_LEVEL | RTE_MASKED;
/** High dword: only the destination (bits 63:56) is implemented. */
const RTE_HI_WRITABLE = 0xff00_0000;

/** What the I/O APIC sends to the local APICs (through the VMM). */
export interface IoapicMessage {
  vector: number;
  /** One of DeliveryMode. */
  deliveryMode: number;
  destMode: 'physical' | 'logical';
  /** Destination APIC ID (physical) or logical mask, bits 63:56 of the entry. */
  dest: number;
  trigger: 'edge' | 'level';
}

export interface IoapicOptions {
  deliver(msg: IoapicMessage): void;
  /** IOAPICID bits 27:24; must match the MADT entry. Default 0. */
  id?: number;
}

export interface IoapicSnapshot {
  id: number;
  regsel: number;
  /** Per pin: [low dword, high dword]. */
  entries: [number, number][];
  /** Bitmask of asserted input lines. */
  lines: number;
}

/** Counters a VMM may print; guest-caused oddities are counted, never thrown. */
export interface IoapicCounters {
  delivered: number;
  /** Edges that arrived while the pin was masked (lost, as on the 82093AA). */
  maskedEdges: number;
  /** Times the service loop hit its budget (an interrupt storm from a synchronous EOI). */
  budgetExhausted: number;
}

/** Services at most this many pins per entry into the service loop (every guest loop has a budget). */
const SERVICE_BUDGET = 4 * IOAPIC_PINS;

export class Ioapic implements BusDevice, Snapshottable<IoapicSnapshot> {
  readonly counters: IoapicCounters = { delivered: 0, maskedEdges: 0, budgetExhausted: 0 };
  private readonly deliverFn: (msg: IoapicMessage) => void;
  private id = 0;
  private regsel = 0;
  private readonly lo = new Uint32Array(IOAPIC_PINS);
  private readonly hi = new Uint32Array(IOAPIC_PINS);
  /** Asserted input lines, one bit per pin. */
  private lines = 0;
  /** Pins waiting for the service loop: a latched edge or a level that may be deliverable. */
  private pending = 0;
  private servicing = false;

  constructor(opts: IoapicOptions) {
    this.deliverFn = opts.deliver;
    this.reset();
    this.id = (opts.id ?? 0) & 0xf;
  }

  /** Power-on state: every redirection entry masked (section 9), lines idle. */
  reset(): void {
    this.id = 0;
    this.regsel = 0;
    this.lo.fill(RTE_MASKED);
    this.hi.fill(0);
    this.lines = 0;
    this.pending = 0;
  }

  // --- MMIO ---------------------------------------------------------------------------------

  read(offset: number, size: AccessSize): number {
    const reg = offset & ~3;
    let v: number;
    if (reg === IOREGSEL) v = this.regsel;
    else if (reg === IOWIN) v = this.readIndirect(this.regsel);
    else v = 0;
    return extract(v, offset & 3, size);
  }

  write(offset: number, size: AccessSize, value: number): void {
    const reg = offset & ~3;
    if (reg === IOREGSEL) {
      this.regsel = merge(this.regsel, offset & 3, size, value) & 0xff;
    } else if (reg === IOWIN) {
      const old = this.readIndirect(this.regsel);
      this.writeIndirect(this.regsel, merge(old, offset & 3, size, value));
    } else if (reg === IOAPIC_EOI) {
      this.eoi(merge(0, offset & 3, size, value) & 0xff);
    }
  }

  private readIndirect(index: number): number {
    if (index === IOAPICID || index === IOAPICARB) return (this.id << 24) >>> 0;
    if (index === IOAPICVER) return ((IOAPIC_PINS - 1) << 16) | IOAPIC_VERSION;
    const pin = (index - IOREDTBL) >> 1;
    if (index < IOREDTBL || pin >= IOAPIC_PINS) return 0;
    if (index & 1) return this.hi[pin]!;
    const busy = this.pending & (1 << pin) ? RTE_DELIVERY_STATUS : 0;
    return (this.lo[pin]! | busy) >>> 0;
  }

  private writeIndirect(index: number, value: number): void {
    if (index === IOAPICID) { this.id = (value >>> 24) & 0xf; return; }
    const pin = (index - IOREDTBL) >> 1;
    if (index < IOREDTBL || pin >= IOAPIC_PINS) return; // VER, ARB and holes are read-only
    if (index & 1) { this.hi[pin] = (value & RTE_HI_WRITABLE) >>> 0; return; }
    let lo = (this.lo[pin]! & RTE_REMOTE_IRR) | (value & RTE_LO_WRITABLE);
    // Switching to edge clears Remote IRR (KVM ioapic_write_indirect does the same).
    if (!(lo & RTE_LEVEL)) lo &= ~RTE_REMOTE_IRR;
    this.lo[pin] = lo >>> 0;
    // Unmasking an asserted level pin delivers it now.
    if ((lo & RTE_LEVEL) && (this.lines & (1 << pin))) this.schedule(pin);
  }

  // --- interrupt inputs and outputs -----------------------------------------------------------

  /** Drives input pin `gsi` (asserted = true). Edge entries deliver on a rising edge; level
   *  entries deliver while asserted, once per EOI (Remote IRR). Out-of-range pins are ignored. */
  setPin(gsi: number, level: boolean): void {
    if (!Number.isInteger(gsi) || gsi < 0 || gsi >= IOAPIC_PINS) return;
    const bit = 1 << gsi;
    const was = (this.lines & bit) !== 0;
    this.lines = level ? this.lines | bit : this.lines & ~bit;
    const lo = this.lo[gsi]!;
    if (lo & RTE_LEVEL) {
      if (level) this.schedule(gsi);
    } else if (level && !was) {
      if (lo & RTE_MASKED) this.counters.maskedEdges++;
      else this.schedule(gsi);
    }
  }

  /** EOI broadcast from a local APIC (or a write to the EOI register): clears Remote IRR of every
   *  level entry with this vector and re-delivers those whose line is still asserted. */
  eoi(vector: number): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const lo = this.lo[pin]!;
      if ((lo & RTE_VECTOR) !== vector || !(lo & RTE_REMOTE_IRR)) continue;
      this.lo[pin] = (lo & ~RTE_REMOTE_IRR) >>> 0;
      if (this.lines & (1 << pin)) this.schedule(pin);
    }
  }

  private schedule(pin: number): void {
    this.pending |= 1 << pin;
    this.service();
  }

  /** Delivers pending pins, lowest first. Re-entrant calls (a deliver callback that EOIs
   *  synchronously) only mark pins pending; the outer loop picks them up within its budget. */
  private service(): void {
    if (this.servicing) return;
    this.servicing = true;
    try {
      for (let n = 0; this.pending !== 0; n++) {
        if (n >= SERVICE_BUDGET) { this.counters.budgetExhausted++; break; }
        const pin = 31 - Math.clz32(this.pending & -this.pending);
        this.pending &= ~(1 << pin);
        this.deliverPin(pin);
      }
    } finally {
      this.servicing = false;
    }
  }

  private deliverPin(pin: number): void {
    const lo = this.lo[pin]!;
    if (lo & RTE_MASKED) return;
    const level = (lo & RTE_LEVEL) !== 0;
    if (level) {
      if (!(this.lines & (1 << pin)) || (lo & RTE_REMOTE_IRR)) return;
      this.lo[pin] = (lo | RTE_REMOTE_IRR) >>> 0;
    }
    this.counters.delivered++;
    this.deliverFn({
      vector: lo & RTE_VECTOR,
      deliveryMode: (lo >>> 8) & 7,
      destMode: lo & (1 << 11) ? 'logical' : 'physical',
      dest: this.hi[pin]! >>> 24,
      trigger: level ? 'level' : 'edge',
    });
  }

  // --- snapshot ----------------------------------------------------------------------------

  snapshot(): IoapicSnapshot {
    const entries: [number, number][] = [];
    for (let i = 0; i < IOAPIC_PINS; i++) entries.push([this.lo[i]!, this.hi[i]!]);
    return { id: this.id, regsel: this.regsel, entries, lines: this.lines };
  }

  restore(s: IoapicSnapshot): void {
    const u32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff;
    if (!s || !u32(s.id) || s.id > 0xf || !u32(s.regsel) || s.regsel > 0xff || !u32(s.lines)
      || s.lines >= 2 ** IOAPIC_PINS || !Array.isArray(s.entries) || s.entries.length !== IOAPIC_PINS
      || !s.entries.every((e) => Array.isArray(e) && e.length === 2 && u32(e[0]) && u32(e[1]))) {
      throw new IoapicSnapshotError();
    }
    this.id = s.id;
    this.regsel = s.regsel;
    this.lines = s.lines;
    this.pending = 0;
    s.entries.forEach(([lo, hi], i) => {
      this.lo[i] = lo & (RTE_LO_WRITABLE | RTE_REMOTE_IRR);
      this.hi[i] = hi & RTE_HI_WRITABLE;
    });
  }
}

export class IoapicSnapshotError extends Error {
  constructor() {
    super('IOAPIC snapshot is malformed: expected id 0-15, regsel 0-255, 24 [lo, hi] u32 entries and a 24-bit line mask');
    this.name = 'IoapicSnapshotError';
  }
}

/** Bytes [lane, lane+size) of a 32-bit register (accesses wider than the rest of it are cut). */
function extract(v: number, lane: number, size: AccessSize): number {
  const bytes = Math.min(size, 4 - lane);
  const shifted = v >>> (lane * 8);
  return bytes >= 4 ? shifted >>> 0 : shifted & ((1 << (bytes * 8)) - 1);
}

/** `old` with bytes [lane, lane+size) replaced by the low bytes of `value`. */
function merge(old: number, lane: number, size: AccessSize, value: number): number {
  const bytes = Math.min(size, 4 - lane);
  const mask = bytes >= 4 ? 0xffff_ffff : ((1 << (bytes * 8)) - 1) * 2 ** (lane * 8);
  const v = (value >>> 0) * 2 ** (lane * 8);
  return ((old & ~mask) | (v & mask)) >>> 0;
}
