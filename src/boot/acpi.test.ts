import test = require('node:test');
import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACPI_SLP_TYP_S5, AcpiTables, PM1_CNT_POWER_OFF, RSDP_GPA, buildAcpiTables, isPowerOffWrite } from './acpi';
import { pkgLength } from './acpi-aml';
import { buildMemoryMap } from './e820';
import { AcpiConfigError } from './errors';

const map = buildMemoryMap(512 * 2 ** 20);

/** Guest memory as the tables see it: the two regions of the build, addressed by gpa. */
function reader(t: AcpiTables) {
  const at = (gpa: number, len: number): Uint8Array => {
    for (const r of t.regions) {
      if (gpa >= r.gpa && gpa + len <= r.gpa + r.bytes.length) return r.bytes.subarray(gpa - r.gpa, gpa - r.gpa + len);
    }
    throw new Error(`no table bytes at ${gpa.toString(16)}`);
  };
  const u32 = (gpa: number): number => new DataView(at(gpa, 4).slice().buffer).getUint32(0, true);
  const u64 = (gpa: number): number => Number(new DataView(at(gpa, 8).slice().buffer).getBigUint64(0, true));
  const sum = (b: Uint8Array): number => b.reduce((s, x) => (s + x) & 0xff, 0);
  const sdt = (gpa: number) => {
    const len = u32(gpa + 4);
    const bytes = at(gpa, len);
    return { sig: Buffer.from(bytes.subarray(0, 4)).toString('latin1'), bytes, len, checksumOk: sum(bytes) === 0 };
  };
  return { at, u32, u64, sum, sdt };
}

test('RSDP: both checksums, revision 2, XSDT -> FADT, MADT; every table sums to zero', () => {
  const t = buildAcpiTables({ cpus: 2, region: map.acpi });
  const m = reader(t);
  assert.equal(t.rsdpGpa, RSDP_GPA);
  assert.equal(RSDP_GPA % 16, 0);
  const rsdp = m.at(RSDP_GPA, 36);
  assert.equal(Buffer.from(rsdp.subarray(0, 8)).toString('latin1'), 'RSD PTR ');
  assert.equal(m.sum(rsdp.subarray(0, 20)), 0);
  assert.equal(m.sum(rsdp), 0);
  assert.equal(rsdp[15], 2);
  const xsdt = m.sdt(m.u64(RSDP_GPA + 24));
  const rsdt = m.sdt(m.u32(RSDP_GPA + 16));
  assert.equal(xsdt.sig, 'XSDT');
  assert.equal(rsdt.sig, 'RSDT');
  const sigs = [];
  for (let i = 0; i < (xsdt.len - 36) / 8; i++) {
    const tab = m.sdt(m.u64(t.tables.XSDT + 36 + i * 8));
    assert.ok(tab.checksumOk, tab.sig);
    assert.equal(m.u32(t.tables.RSDT + 36 + i * 4), m.u64(t.tables.XSDT + 36 + i * 8));
    sigs.push(tab.sig);
  }
  assert.deepEqual(sigs, ['FACP', 'APIC']);
  for (const s of [xsdt, rsdt, m.sdt(t.tables.DSDT)]) assert.ok(s.checksumOk, s.sig);
  for (const r of t.regions.slice(1)) assert.ok(r.gpa >= map.acpi.gpa && r.gpa + r.bytes.length <= map.acpi.gpa + map.acpi.size);
});

test('FADT: PM blocks, SCI 9, DSDT and X_DSDT, FACS, not hardware-reduced', () => {
  const t = buildAcpiTables({ cpus: 1, region: map.acpi });
  const m = reader(t);
  const f = t.tables.FACP;
  assert.equal(m.sdt(f).len, 276);
  assert.equal(m.at(f + 8, 1)[0], 6);
  assert.equal(m.u32(f + 36), t.tables.FACS);
  assert.equal(m.u32(f + 40), t.tables.DSDT);
  assert.equal(m.u64(f + 140), t.tables.DSDT);
  assert.equal(m.at(f + 46, 2)[0], 9);
  assert.equal(m.u32(f + 56), 0x600);
  assert.equal(m.u32(f + 64), 0x604);
  assert.equal(m.u32(f + 76), 0x608);
  assert.deepEqual([...m.at(f + 88, 4)], [4, 2, 0, 4]);
  assert.equal(m.u32(f + 112) & (1 << 20), 0, 'HW_REDUCED_ACPI clear');
  assert.equal(m.u64(f + 172 + 4), 0x604, 'X_PM1a_CNT_BLK');
  assert.equal(t.tables.FACS % 64, 0);
  assert.equal(Buffer.from(m.at(t.tables.FACS, 4)).toString('latin1'), 'FACS');
});

test('MADT: one LAPIC per vCPU, IOAPIC at FEC00000, IRQ0 -> GSI2, SCI level/high, LAPIC NMI', () => {
  const t = buildAcpiTables({ cpus: 3, region: map.acpi, ioapicId: 3 });
  const m = reader(t);
  const madt = m.sdt(t.tables.APIC);
  const dv = new DataView(madt.bytes.slice().buffer);
  assert.equal(dv.getUint32(36, true), 0xfee00000);
  const entries: number[][] = [];
  for (let o = 44; o < madt.len; o += madt.bytes[o + 1]) {
    assert.ok(madt.bytes[o + 1] > 0);
    entries.push([...madt.bytes.subarray(o, o + madt.bytes[o + 1])]);
  }
  const lapics = entries.filter((e) => e[0] === 0);
  assert.deepEqual(lapics.map((e) => [e[2], e[3], e[4]]), [[0, 0, 1], [1, 1, 1], [2, 2, 1]]);
  const ioapic = entries.find((e) => e[0] === 1);
  assert.deepEqual(ioapic, [1, 12, 3, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0]);
  const isos = entries.filter((e) => e[0] === 2).map((e) => [e[3], e[4], e[8] | (e[9] << 8)]);
  assert.deepEqual(isos, [[0, 2, 0], [9, 9, 0x0d]]);
  assert.deepEqual(entries.find((e) => e[0] === 4), [4, 6, 0xff, 0, 0, 1]);
});

test('DSDT: \\_S5 package carries the S5 SLP_TYP; the power-off write decodes', () => {
  const t = buildAcpiTables({ cpus: 1, region: map.acpi });
  const d = reader(t).sdt(t.tables.DSDT).bytes;
  const i = Buffer.from(d).indexOf('_S5_');
  assert.ok(i > 36);
  // NameOp '\' _S5_ PackageOp PkgLength(8) NumElements(4) BytePrefix 5 BytePrefix 5 Zero Zero
  assert.deepEqual([...d.subarray(i - 2, i + 14)], [0x08, 0x5c, ...Buffer.from('_S5_'), 0x12, 8, 4, 0x0a, ACPI_SLP_TYP_S5, 0x0a, ACPI_SLP_TYP_S5, 0, 0, 0x10]);
  assert.equal(PM1_CNT_POWER_OFF, 0x3400);
  assert.ok(isPowerOffWrite(PM1_CNT_POWER_OFF | 1));
  assert.ok(!isPowerOffWrite(ACPI_SLP_TYP_S5 << 10));
  assert.ok(!isPowerOffWrite(0x2000));
});

test('AML PkgLength encodings (ACPI 20.2.4)', () => {
  assert.deepEqual(pkgLength(0x3e), [0x3f]);
  assert.deepEqual(pkgLength(0x3f), [0x41, 0x04]); // 0x41 total: 2 bytes, low nibble 1
  assert.deepEqual(pkgLength(0xffd), [0x4f, 0xff]);
  assert.deepEqual(pkgLength(0xffe), [0x81, 0x00, 0x01]); // 0x1001 total: 3 bytes
});

test('bad parameters: AcpiConfigError', () => {
  assert.throws(() => buildAcpiTables({ cpus: 0, region: map.acpi }), AcpiConfigError);
  assert.throws(() => buildAcpiTables({ cpus: 255, region: map.acpi }), AcpiConfigError);
  assert.throws(() => buildAcpiTables({ cpus: 1, region: { gpa: map.acpi.gpa, size: 100 } }), /the tables need/);
  assert.throws(() => buildAcpiTables({ cpus: 1, region: map.acpi, ioapicId: 256 }), AcpiConfigError);
  assert.doesNotThrow(() => buildAcpiTables({ cpus: 254, region: map.acpi }));
});

test('iasl disassembles the DSDT, FADT and MADT without complaint (skipped without iasl)', (t) => {
  if (spawnSync('iasl', ['-v']).error !== undefined) return t.skip('iasl (acpica-tools) not installed');
  const tables = buildAcpiTables({ cpus: 2, region: map.acpi });
  const m = reader(tables);
  const dir = mkdtempSync(join(tmpdir(), 'tsvisor-acpi-'));
  try {
    for (const sig of ['DSDT', 'FACP', 'APIC']) {
      const file = join(dir, `${sig.toLowerCase()}.dat`);
      writeFileSync(file, m.sdt(tables.tables[sig]).bytes);
      const r = spawnSync('iasl', ['-d', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const dsl = readFileSync(file.replace(/\.dat$/, '.dsl'), 'utf8');
      assert.doesNotMatch(dsl + r.stdout + r.stderr, /incorrect|invalid|error/i, sig);
      if (sig === 'DSDT') {
        assert.match(dsl, /Name \(\\_S5, Package \(0x04\)/);
        assert.match(dsl, /EisaId \("PNP0A03"\)/);
        assert.match(dsl, /DWordMemory \(ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,\s+0x00000000,\s+\/\/ Granularity\s+0xC0000000/);
      }
      if (sig === 'APIC') assert.match(dsl, /Interrupt Source Override/);
      if (sig === 'FACP') assert.match(dsl, /PM Timer Block Address : 00000608/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
