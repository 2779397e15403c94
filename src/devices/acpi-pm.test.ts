// ACPI PM registers driven as ACPICA does (hwsleep.c acpi_hw_legacy_sleep, hwtimer.c
// acpi_get_timer) and as Linux's acpi_pm clocksource reads the timer.
import test = require('node:test');
import assert = require('node:assert/strict');
import fc = require('fast-check');
import {
  AcpiPm, AcpiPmSnapshotError, ACPI_PM_TIMER_HZ, ACPI_S5_SLP_TYP, PM1_CNT_SCI_EN, PM1_CNT_SLP_EN,
  PM1_CNT_SLP_TYP_SHIFT, PM1_PWRBTN, PM1_TMR, PM1_WAK_STS,
} from './acpi-pm';
import type { AccessSize } from './device';

const STS = 0, EN = 2, CNT = 4, TMR = 8;

function rig() {
  let ns = 0;
  let offs = 0;
  const sci: boolean[] = [];
  const pm = new AcpiPm({ clock: () => ns, powerOff: () => { offs++; }, sci: { set: (l) => sci.push(l) } });
  return { pm, sci, setNs: (v: number) => { ns = v; }, offs: () => offs };
}

/** Independent reference: floor(ns * 3579545 / 1e9) mod 2^24, in BigInt. */
function refTimer(ns: number): number {
  return Number((BigInt(ns) * BigInt(ACPI_PM_TIMER_HZ) / 1_000_000_000n) % (1n << 24n));
}

/** acpi_hw_legacy_sleep: write SLP_TYP first, then SLP_TYP | SLP_EN, preserving other bits. */
function sleep(pm: AcpiPm, slpTyp: number): void {
  const cnt = pm.read(CNT, 2) & ~(PM1_CNT_SLP_EN | (7 << PM1_CNT_SLP_TYP_SHIFT));
  pm.write(STS, 2, PM1_WAK_STS); // clear WAK_STS
  pm.write(CNT, 2, cnt | (slpTyp << PM1_CNT_SLP_TYP_SHIFT));
  pm.write(CNT, 2, cnt | (slpTyp << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN);
}

test('power-off on the S5 SLP_EN write only', () => {
  const { pm, offs } = rig();
  assert.equal(pm.read(CNT, 2), PM1_CNT_SCI_EN, 'ACPI mode from reset (no SMI_CMD)');
  pm.write(CNT, 2, PM1_CNT_SCI_EN | (ACPI_S5_SLP_TYP << PM1_CNT_SLP_TYP_SHIFT));
  assert.equal(offs(), 0, 'SLP_TYP alone does nothing');
  assert.equal(pm.read(CNT, 2), PM1_CNT_SCI_EN | (5 << 10));
  sleep(pm, 3); // S3 is not implemented
  assert.equal(offs(), 0);
  assert.equal(pm.counters.unsupportedSleep, 1);
  pm.write(TMR, 4, 0xffff_ffff); // the timer is read-only; no effect
  pm.write(STS, 4, (PM1_CNT_SLP_EN | (5 << 10)) * 65536); // PM1_EN, not PM1_CNT
  assert.equal(offs(), 0);
  sleep(pm, ACPI_S5_SLP_TYP);
  assert.equal(offs(), 1);
  assert.equal(pm.read(CNT, 2) & PM1_CNT_SLP_EN, 0, 'SLP_EN reads 0');
});

test('power-off through a byte write of the PM1_CNT high byte', () => {
  const { pm, offs } = rig();
  pm.write(CNT + 1, 1, (ACPI_S5_SLP_TYP << 2) | (1 << 5));
  assert.equal(offs(), 1);
});

test('PM timer: 3.579545 MHz, 24 bits, wraps after 2^24 ticks, 32-bit reads have bits 31:24 clear', () => {
  const { pm, setNs } = rig();
  assert.equal(pm.read(TMR, 4), 0);
  setNs(1e9);
  assert.equal(pm.read(TMR, 4), ACPI_PM_TIMER_HZ);
  const wrapNs = Math.ceil((2 ** 24 * 1e9) / ACPI_PM_TIMER_HZ); // about 4.687 s
  setNs(wrapNs - 1);
  assert.equal(pm.read(TMR, 4), 0xff_ffff);
  setNs(wrapNs);
  assert.equal(pm.read(TMR, 4), 0);
  setNs(3 * wrapNs + 1e6);
  const v = pm.read(TMR, 4);
  assert.equal(v, refTimer(3 * wrapNs + 1e6));
  assert.ok(v < 2 ** 24);
  assert.equal(pm.read(TMR + 2, 2), v >>> 16, 'word at the upper half');
});

test('property: timer equals the exact reference and advances monotonically modulo 2^24', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 1e15 }), fc.array(fc.integer({ min: 0, max: 4e9 }), { maxLength: 50 }), (start, steps) => {
    const { pm, setNs } = rig();
    let ns = start;
    setNs(ns);
    let prev = pm.read(TMR, 4);
    assert.equal(prev, refTimer(ns));
    for (const d of steps) {
      ns += d;
      setNs(ns);
      const cur = pm.read(TMR, 4);
      assert.equal(cur, refTimer(ns));
      // Linux acpi_pm: delta = (now - last) & ACPI_PM_MASK; under one wrap it matches elapsed ticks.
      const delta = (cur - prev) & 0xff_ffff;
      // Steps are under one wrap period (4.687 s), so delta is the elapsed ticks, +-1 for rounding.
      assert.ok(Math.abs(delta - (d * ACPI_PM_TIMER_HZ) / 1e9) <= 1, `step ${d} ns gave ${delta} ticks`);
      prev = cur;
    }
  }), { numRuns: 200 });
});

test('TMR_STS is set when timer bit 23 toggles and cleared by writing 1', () => {
  const { pm, setNs } = rig();
  assert.equal(pm.read(STS, 2) & PM1_TMR, 0);
  setNs(Math.ceil((2 ** 23 * 1e9) / ACPI_PM_TIMER_HZ));
  assert.equal(pm.read(STS, 2) & PM1_TMR, PM1_TMR);
  pm.write(STS, 2, PM1_TMR);
  assert.equal(pm.read(STS, 2) & PM1_TMR, 0);
});

test('power button raises the SCI when enabled and SCI_EN is set; clearing status drops it', () => {
  const { pm, sci } = rig();
  pm.pressPowerButton();
  assert.equal(sci.at(-1), false, 'not enabled');
  assert.equal(pm.read(STS, 2) & PM1_PWRBTN, PM1_PWRBTN);
  pm.write(EN, 2, PM1_PWRBTN);
  assert.equal(sci.at(-1), true);
  assert.equal(pm.read(0, 4) >>> 16, PM1_PWRBTN, 'dword read: PM1_EN in the upper half');
  pm.write(STS, 2, PM1_PWRBTN);
  assert.equal(sci.at(-1), false);
});

test('snapshot round-trips and a malformed one is a typed error', () => {
  const a = rig();
  a.pm.write(EN, 2, PM1_PWRBTN);
  a.pm.write(CNT, 2, PM1_CNT_SCI_EN | (2 << 10));
  const b = rig();
  b.pm.restore(JSON.parse(JSON.stringify(a.pm.snapshot())));
  assert.deepEqual(b.pm.snapshot(), a.pm.snapshot());
  assert.throws(() => b.pm.restore({ sts: 0, en: 0, cnt: 0x10000, tmrEpoch: 0 }), AcpiPmSnapshotError);
});

test('property: random port accesses never throw and reads fit their width', () => {
  const { pm, setNs } = rig();
  const op = fc.record({
    write: fc.boolean(), off: fc.integer({ min: 0, max: 11 }), size: fc.constantFrom<AccessSize>(1, 2, 4, 8),
    v: fc.integer({ min: 0, max: 0xffff_ffff }), ns: fc.integer({ min: 0, max: 2 ** 52 }),
  });
  fc.assert(fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
    for (const o of ops) {
      setNs(o.ns);
      if (o.write) pm.write(o.off, o.size, o.v);
      else {
        const r = pm.read(o.off, o.size);
        assert.ok(Number.isInteger(r) && r >= 0 && r < 2 ** (8 * Math.min(o.size, 4)));
      }
    }
  }), { numRuns: 200 });
});
