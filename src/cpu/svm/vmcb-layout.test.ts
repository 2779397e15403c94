import { test } from 'node:test';
import assert = require('node:assert/strict');
import * as v8 from 'node:v8';
import { PhysMem } from '../phys-mem';
import { SvmExit } from './exit-codes';
import { Intercept } from './intercepts';
import { VMCB, VMCB_FIELDS, VMCB_SAVE_AREA, VMCB_SIZE, VMCB_WIDTH, VmcbView, vmcbField, type VmcbFieldName } from './vmcb-layout';

// Offsets quoted in svm.md 3 and 4 (absolute).
const QUOTED: ReadonlyArray<[VmcbFieldName, number, number]> = [
  ['INTERCEPT_CR', 0x000, 4], ['INTERCEPT_DR', 0x004, 4], ['INTERCEPT_EXCEPTIONS', 0x008, 4],
  ['INTERCEPT_WORD3', 0x00c, 4], ['INTERCEPT_WORD4', 0x010, 4], ['INTERCEPT_WORD5', 0x014, 4],
  ['PAUSE_FILTER_THRESHOLD', 0x03c, 2], ['PAUSE_FILTER_COUNT', 0x03e, 2],
  ['IOPM_BASE_PA', 0x040, 8], ['MSRPM_BASE_PA', 0x048, 8], ['TSC_OFFSET', 0x050, 8],
  ['GUEST_ASID', 0x058, 4], ['TLB_CONTROL', 0x05c, 1], ['V_INTR', 0x060, 8], ['INTERRUPT_STATE', 0x068, 8],
  ['EXITCODE', 0x070, 8], ['EXITINFO1', 0x078, 8], ['EXITINFO2', 0x080, 8],
  ['EXITINTINFO', 0x088, 4], ['EXITINTINFO_ERR', 0x08c, 4], ['MISC_CTL1', 0x090, 8],
  ['AVIC_APIC_BAR', 0x098, 8], ['EVENTINJ', 0x0a8, 4], ['EVENTINJ_ERR', 0x0ac, 4],
  ['N_CR3', 0x0b0, 8], ['MISC_CTL2', 0x0b8, 8], ['VMCB_CLEAN', 0x0c0, 4], ['NRIP', 0x0c8, 8],
  ['GUEST_INSN_LEN', 0x0d0, 1], ['GUEST_INSN_BYTES', 0x0d1, 1],
  ['AVIC_BACKING_PAGE', 0x0e0, 8], ['AVIC_LOGICAL_TABLE', 0x0f0, 8], ['AVIC_PHYSICAL_TABLE', 0x0f8, 8],
  ['ES_SELECTOR', 0x400, 2], ['CS_SELECTOR', 0x410, 2], ['CS_ATTRIB', 0x412, 2], ['CS_LIMIT', 0x414, 4],
  ['CS_BASE', 0x418, 8], ['SS_BASE', 0x428, 8], ['DS_ATTRIB', 0x432, 2], ['FS_BASE', 0x448, 8],
  ['GS_BASE', 0x458, 8], ['GDTR_LIMIT', 0x464, 4], ['GDTR_BASE', 0x468, 8], ['LDTR_SELECTOR', 0x470, 2],
  ['IDTR_LIMIT', 0x484, 4], ['IDTR_BASE', 0x488, 8], ['TR_SELECTOR', 0x490, 2], ['TR_BASE', 0x498, 8],
  ['VMPL', 0x4ca, 1], ['CPL', 0x4cb, 1], ['EFER', 0x4d0, 8], ['CR4', 0x548, 8], ['CR3', 0x550, 8],
  ['CR0', 0x558, 8], ['DR7', 0x560, 8], ['DR6', 0x568, 8], ['RFLAGS', 0x570, 8], ['RIP', 0x578, 8],
  ['RSP', 0x5d8, 8], ['S_CET', 0x5e0, 8], ['SSP', 0x5e8, 8], ['ISST_ADDR', 0x5f0, 8], ['RAX', 0x5f8, 8],
  ['STAR', 0x600, 8], ['LSTAR', 0x608, 8], ['CSTAR', 0x610, 8], ['SFMASK', 0x618, 8],
  ['KERNEL_GS_BASE', 0x620, 8], ['SYSENTER_CS', 0x628, 8], ['SYSENTER_ESP', 0x630, 8],
  ['SYSENTER_EIP', 0x638, 8], ['CR2', 0x640, 8], ['G_PAT', 0x668, 8], ['DBGCTL', 0x670, 8],
  ['BR_FROM', 0x678, 8], ['BR_TO', 0x680, 8], ['LASTEXCPFROM', 0x688, 8], ['LASTEXCPTO', 0x690, 8],
  ['SPEC_CTRL', 0x6e0, 8],
];

test('every offset and width quoted in svm.md matches the table', () => {
  for (const [name, off, width] of QUOTED) {
    assert.equal(VMCB[name], off, name);
    assert.equal(VMCB_WIDTH[name], width, name);
  }
  assert.equal(vmcbField('GUEST_INSN_BYTES').count, 15);
});

test('segment records: 10 x 16 bytes from 400h, each with selector/attrib/limit/base', () => {
  const segs = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'GDTR', 'LDTR', 'IDTR', 'TR'] as const;
  segs.forEach((s, i) => {
    const base = VMCB_SAVE_AREA + 16 * i;
    assert.equal(VMCB[`${s}_SELECTOR`], base);
    assert.equal(VMCB[`${s}_ATTRIB`], base + 2);
    assert.equal(VMCB[`${s}_LIMIT`], base + 4);
    assert.equal(VMCB[`${s}_BASE`], base + 8);
  });
});

test('fields are sorted, naturally aligned, inside the page, and never overlap', () => {
  const names = new Set<string>();
  for (let i = 0; i < VMCB_FIELDS.length; i++) {
    const f = VMCB_FIELDS[i];
    assert.ok(!names.has(f.name), `duplicate ${f.name}`);
    names.add(f.name);
    assert.ok([1, 2, 4, 8].includes(f.width), f.name);
    assert.equal(f.offset % f.width, 0, `${f.name} misaligned`);
    assert.ok(f.offset + f.width * f.count <= VMCB_SIZE, f.name);
    if (i > 0) {
      const p = VMCB_FIELDS[i - 1];
      assert.ok(p.offset + p.width * p.count <= f.offset, `${p.name} overlaps ${f.name}`);
    }
  }
  assert.equal(Object.keys(VMCB).length, VMCB_FIELDS.length);
});

test('control area ends at 400h where the save area starts with ES', () => {
  const control = VMCB_FIELDS.filter((f) => f.offset < VMCB_SAVE_AREA);
  const last = control[control.length - 1];
  assert.equal(last.name, 'HOST_SOFTWARE_RESERVED');
  assert.equal(last.offset + last.width * last.count, VMCB_SAVE_AREA);
  assert.equal(VMCB_FIELDS[control.length].name, 'ES_SELECTOR');
});

test('VMCB and VMCB_WIDTH are frozen', () => {
  assert.ok(Object.isFrozen(VMCB) && Object.isFrozen(VMCB_WIDTH) && Object.isFrozen(VMCB_FIELDS));
  assert.throws(() => { (VMCB as Record<string, number>).RIP = 0; }, TypeError);
  assert.throws(() => vmcbField('NOPE'), RangeError);
});

test('VmcbView 32-bit and lo/hi access', () => {
  const mem = new PhysMem(0x4000);
  const v = new VmcbView(mem, 0x2000);
  v.write32('EVENTINJ', 0x80000b0e);
  assert.equal(v.read32('EVENTINJ'), 0x80000b0e | 0);
  assert.equal(mem.read32(0x2000 + 0xa8), 0x80000b0e | 0);
  v.write64('EXITCODE', -1, -1);
  assert.equal(v.readLo('EXITCODE'), -1);
  assert.equal(v.readHi('EXITCODE'), -1);
  assert.equal(v.read32('EXITCODE'), -1); // low dword of an 8-byte field
  assert.throws(() => v.write32('RIP', 1), RangeError);
  assert.throws(() => v.readLo('EVENTINJ'), RangeError);
  assert.throws(() => v.read32('CPL'), RangeError);
});

test('VmcbView readU64n is exact to 2^53 and throws above', () => {
  const mem = new PhysMem(0x2000);
  const v = new VmcbView(mem, 0x1000);
  v.write64('RIP', 0xffffffff, 0x1fffff);
  assert.equal(v.readU64n('RIP'), 2 ** 53 - 1);
  v.write64('RIP', 0, 0x200000);
  assert.throws(() => v.readU64n('RIP'), RangeError);
  v.write64('N_CR3', 0x12345000, 0x1);
  assert.equal(v.readU64n('N_CR3'), 0x1_1234_5000);
});

test('VmcbView generic read/write by width', () => {
  const mem = new PhysMem(0x2000);
  const v = new VmcbView(mem, 0x1000);
  v.write('CPL', 3);
  v.write('CS_SELECTOR', 0x10);
  v.write('CS_ATTRIB', 0x29b);
  v.write('CS_LIMIT', 0xffffffff);
  v.write('CS_BASE', 0xffff_8000_0000_0000n);
  v.write('EXITCODE', -1);
  v.write('EXITINFO2', 2 ** 40 + 5);
  assert.equal(v.read('CPL'), 3);
  assert.equal(v.read('CS_SELECTOR'), 0x10);
  assert.equal(v.read('CS_ATTRIB'), 0x29b);
  assert.equal(v.read('CS_LIMIT'), 0xffffffff);
  assert.equal(v.read('CS_BASE'), 0xffff_8000_0000_0000n);
  assert.equal(v.read('EXITCODE'), 0xffff_ffff_ffff_ffffn);
  assert.equal(v.read('EXITINFO2'), 2n ** 40n + 5n);
  assert.equal(mem.read8(0x1000 + 0x4cb), 3);
  assert.equal(mem.read8(0x1000 + 0x4ca), 0); // VMPL untouched
  assert.throws(() => v.write('RAX', 1.5), RangeError);
});

test('hot-path constant objects keep V8 fast properties', (t) => {
  let hasFast: (o: object) => boolean;
  try {
    v8.setFlagsFromString('--allow-natives-syntax');
    hasFast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
  } catch {
    t.skip('natives syntax unavailable');
    return;
  }
  assert.ok(hasFast(VMCB), 'VMCB');
  assert.ok(hasFast(VMCB_WIDTH), 'VMCB_WIDTH');
  assert.ok(hasFast(SvmExit), 'SvmExit');
  assert.ok(hasFast(Intercept), 'Intercept');
});
