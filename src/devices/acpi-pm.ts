// ACPI fixed hardware the FADT points at (ACPI 6.x section 4.8, pc-platform.md section 10):
// one device over ports 600h-60Bh holding
//   PM1a_EVT_BLK 600h (4 bytes): PM1_STS at +0, PM1_EN at +2
//   PM1a_CNT_BLK 604h (2 bytes): PM1_CNT
//   PM_TMR_BLK   608h (4 bytes): the 24-bit PM timer at 3.579545 MHz (FADT TMR_VAL_EXT = 0)
// A write of PM1_CNT with SLP_EN set and SLP_TYP = ACPI_S5_SLP_TYP enters S5 (soft off).
import type { AccessSize, BusDevice, Clock, IrqLine, Snapshottable } from './device';

/** The constants the FADT and the DSDT's \_S5 package must agree with. */
export const ACPI_PM_BASE = 0x600;
export const ACPI_PM_PORTS = 12;
export const ACPI_PM1A_EVT_BLK = ACPI_PM_BASE;
export const ACPI_PM1_EVT_LEN = 4;
export const ACPI_PM1A_CNT_BLK = ACPI_PM_BASE + 4;
export const ACPI_PM1_CNT_LEN = 2;
export const ACPI_PM_TMR_BLK = ACPI_PM_BASE + 8;
export const ACPI_PM_TMR_LEN = 4;
/** SLP_TYP value for S5; the DSDT's \_S5 package is { ACPI_S5_SLP_TYP, ACPI_S5_SLP_TYP, 0, 0 }. */
export const ACPI_S5_SLP_TYP = 5;
export const ACPI_PM_TIMER_HZ = 3_579_545;
const PM_TIMER_MASK = 0xff_ffff;

/** PM1_STS / PM1_EN bits (ACPI table 4.16/4.17). */
export const PM1_TMR = 1 << 0;
export const PM1_GBL = 1 << 5;
export const PM1_PWRBTN = 1 << 8;
export const PM1_WAK_STS = 1 << 15;
const PM1_STS_BITS = PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_WAK_STS;
const PM1_EN_BITS = PM1_TMR | PM1_GBL | PM1_PWRBTN;
/** PM1_CNT bits (ACPI table 4.18). */
export const PM1_CNT_SCI_EN = 1 << 0;
export const PM1_CNT_BM_RLD = 1 << 1;
export const PM1_CNT_GBL_RLS = 1 << 2;
export const PM1_CNT_SLP_TYP_SHIFT = 10;
export const PM1_CNT_SLP_EN = 1 << 13;
const PM1_CNT_STORED = PM1_CNT_SCI_EN | PM1_CNT_BM_RLD | (7 << PM1_CNT_SLP_TYP_SHIFT);

export interface AcpiPmOptions {
  clock: Clock;
  /** Called on the S5 write: the VMM ends the VM with status 0. */
  powerOff(): void;
  /** The SCI (MADT/FADT SCI_INT, typically GSI 9, level). Optional. */
  sci?: IrqLine;
}

export interface AcpiPmSnapshot { sts: number; en: number; cnt: number; tmrEpoch: number }

export interface AcpiPmCounters {
  /** SLP_EN writes with a SLP_TYP other than S5 (no sleep states are implemented). */
  unsupportedSleep: number;
}

export class AcpiPm implements BusDevice, Snapshottable<AcpiPmSnapshot> {
  readonly counters: AcpiPmCounters = { unsupportedSleep: 0 };
  private readonly clock: Clock;
  private readonly powerOffFn: () => void;
  private readonly sci: IrqLine | undefined;
  private sts = 0;
  private en = 0;
  /** SCI_EN is 1 from reset: no SMI_CMD, the platform is always in ACPI mode. */
  private cnt = PM1_CNT_SCI_EN;
  /** Timer bit 23 transitions already reflected in TMR_STS. */
  private tmrEpoch = 0;

  constructor(opts: AcpiPmOptions) {
    this.clock = opts.clock;
    this.powerOffFn = opts.powerOff;
    this.sci = opts.sci;
    this.tmrEpoch = this.timerEpoch();
  }

  /** Raw timer ticks since clock 0: floor(ns * 3.579545 MHz), split to stay exact in a double. */
  private ticks(): number {
    const ns = Math.max(0, Math.floor(this.clock()) || 0);
    const sec = Math.floor(ns / 1e9);
    return sec * ACPI_PM_TIMER_HZ + Math.floor(((ns - sec * 1e9) * ACPI_PM_TIMER_HZ) / 1e9);
  }

  /** The 24-bit PM_TMR value. */
  timer(): number { return this.ticks() % 2 ** 24 & PM_TIMER_MASK; }

  private timerEpoch(): number { return Math.floor(this.ticks() / 2 ** 23); }

  /** TMR_STS is set whenever timer bit 23 changes (ACPI 4.8.3.3); computed when observed. */
  private syncTimerStatus(): void {
    const e = this.timerEpoch();
    if (e !== this.tmrEpoch) { this.tmrEpoch = e; this.sts |= PM1_TMR; }
  }

  /** The power button was pressed (the VMM's graceful shutdown request). */
  pressPowerButton(): void {
    this.sts |= PM1_PWRBTN;
    this.updateSci();
  }

  private updateSci(): void {
    this.sci?.set((this.cnt & PM1_CNT_SCI_EN) !== 0 && (this.sts & this.en) !== 0);
  }

  read(offset: number, size: AccessSize): number {
    if (offset === 8 && size === 4) return this.timer(); // the hot path: clocksource reads
    let v = 0;
    const n = Math.min(size, 4);
    // Read each register once per access, so a 32-bit timer read is consistent.
    const regs = new Map<number, number>();
    for (let i = n - 1; i >= 0; i--) {
      const off = offset + i;
      const base = off >= 8 ? 8 : off & ~1;
      let r = regs.get(base);
      if (r === undefined) { r = this.readReg(base); regs.set(base, r); }
      v = v * 256 + (off < ACPI_PM_PORTS ? Math.floor(r / 2 ** (8 * (off - base))) & 0xff : 0xff);
    }
    return v;
  }

  private readReg(base: number): number {
    switch (base) {
      case 0: this.syncTimerStatus(); return this.sts;
      case 2: return this.en;
      case 4: return this.cnt;
      case 8: return this.timer();
      default: return 0; // 606h-607h: hole
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    // Gather the bytes of each 16-bit register touched, then apply each register once.
    const n = Math.min(size, 4);
    const vals = [0, 0, 0];
    const masks = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const off = offset + i;
      if (off < 0 || off >= 6) continue; // the timer is read-only
      const b = Math.floor(value / 2 ** (8 * i)) & 0xff;
      const reg = off >> 1;
      const shift = (off & 1) * 8;
      vals[reg] |= b << shift;
      masks[reg] |= 0xff << shift;
    }
    if (masks[0]) { this.syncTimerStatus(); this.sts &= ~(vals[0]! & masks[0]! & PM1_STS_BITS); }
    if (masks[1]) this.en = (this.en & ~masks[1]!) | (vals[1]! & masks[1]! & PM1_EN_BITS);
    if (masks[2]) this.writeCnt(vals[2]!, masks[2]!);
    this.updateSci();
  }

  private writeCnt(value: number, mask: number): void {
    this.cnt = (this.cnt & ~mask) | (value & mask & PM1_CNT_STORED);
    if (!(value & mask & PM1_CNT_SLP_EN)) return; // SLP_EN is write-only, reads 0
    const slpTyp = (this.cnt >> PM1_CNT_SLP_TYP_SHIFT) & 7;
    if (slpTyp === ACPI_S5_SLP_TYP) this.powerOffFn();
    else this.counters.unsupportedSleep++;
  }

  snapshot(): AcpiPmSnapshot {
    return { sts: this.sts, en: this.en, cnt: this.cnt, tmrEpoch: this.tmrEpoch };
  }

  restore(s: AcpiPmSnapshot): void {
    const u16 = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff;
    if (!s || !u16(s.sts) || !u16(s.en) || !u16(s.cnt) || !Number.isSafeInteger(s.tmrEpoch) || s.tmrEpoch < 0) {
      throw new AcpiPmSnapshotError();
    }
    this.sts = s.sts & PM1_STS_BITS;
    this.en = s.en & PM1_EN_BITS;
    this.cnt = s.cnt & PM1_CNT_STORED;
    this.tmrEpoch = s.tmrEpoch;
    this.updateSci();
  }
}

export class AcpiPmSnapshotError extends Error {
  constructor() {
    super('ACPI PM snapshot is malformed: expected 16-bit sts, en, cnt and a non-negative tmrEpoch');
    this.name = 'AcpiPmSnapshotError';
  }
}
