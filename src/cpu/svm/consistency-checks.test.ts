import { test } from 'node:test';
import assert = require('node:assert/strict');
import { PhysMem } from '../phys-mem';
import { VmcbView } from './vmcb-layout';
import { makeEventInfo, EventType } from './event-inj';
import {
  VMRUN_CHECKS, DEFAULT_VMRUN_CAPS, CR4_SUPPORTED, EFER_SUPPORTED, firstFailedCheck, failedChecks,
  readGuestStateForChecks, type VmrunCaps, type VmrunCheckName,
} from './consistency-checks';

const VMCB_HPA = 0x3000;
const CAPS: VmrunCaps = { ...DEFAULT_VMRUN_CAPS, maxPhyAddrBits: 40 };

/** A legal 64-bit guest with nested paging (long mode, CS.L=1 D=0). */
function baseline(): { mem: PhysMem; v: VmcbView } {
  const mem = new PhysMem(0x8000);
  const v = new VmcbView(mem, VMCB_HPA);
  v.write('EFER', 0x1d01); // SCE LME LMA NXE SVME
  v.write('CR0', 0x80050033); // PG AM WP NE ET MP PE
  v.write('CR3', 0x1000);
  v.write('CR4', 0x6a0); // PAE PGE OSFXSR OSXMMEXCPT
  v.write('DR6', 0xffff0ff0);
  v.write('DR7', 0x400);
  v.write('CS_ATTRIB', 0x29b); // P, DPL 0, code, L
  v.write('INTERCEPT_WORD4', 1); // VMRUN
  v.write('IOPM_BASE_PA', 0x4000);
  v.write('MSRPM_BASE_PA', 0x7000);
  v.write('EVENTINJ', makeEventInfo(14, EventType.EXCEPTION, true));
  v.write('GUEST_ASID', 1);
  v.write('MISC_CTL1', 1); // NP_ENABLE
  v.write('N_CR3', 0x5000);
  v.write('G_PAT', 0x0007040600070406n); // power-on PAT
  return { mem, v };
}

function check(mem: PhysMem, caps = CAPS, hostPaging = true): VmrunCheckName | null {
  return firstFailedCheck(readGuestStateForChecks(mem, VMCB_HPA, hostPaging), caps);
}

test('supported CR4 / EFER masks', () => {
  assert.equal(CR4_SUPPORTED, 0x003007ff);
  assert.equal(EFER_SUPPORTED, 0x7d01);
});

test('the baseline passes every check', () => {
  const { mem } = baseline();
  assert.equal(check(mem), null);
  assert.deepEqual(failedChecks(readGuestStateForChecks(mem, VMCB_HPA), CAPS), []);
});

test('VMRUN_CHECKS lists svm.md 9.2 in order', () => {
  assert.deepEqual(VMRUN_CHECKS.map((c) => c.name), [
    'efer_svme_clear', 'cr0_cd0_nw1', 'cr0_high_bits', 'cr3_mbz', 'cr4_mbz', 'dr6_dr7_high_bits', 'efer_mbz',
    'lme_pg_without_pae', 'lme_pg_without_pe', 'long_mode_cs_l_and_d', 'vmrun_intercept_clear',
    'msrpm_iopm_beyond_maxphyaddr', 'illegal_eventinj', 'asid_zero', 'np_unsupported_or_bad_ncr3',
    'g_pat_invalid_type',
  ]);
});

// One mutation of the baseline per check; firstFailedCheck must name exactly that check.
const CASES: ReadonlyArray<[VmrunCheckName, string, (v: VmcbView) => VmrunCaps | void, boolean?]> = [
  ['efer_svme_clear', 'EFER.SVME=0', (v) => v.write('EFER', 0x0d01)],
  ['cr0_cd0_nw1', 'CR0.NW=1 CD=0', (v) => v.write('CR0', 0xa0050033)],
  ['cr0_high_bits', 'CR0 bit 32', (v) => v.write64('CR0', 0x80050033 | 0, 1)],
  ['cr3_mbz', 'CR3 bit 40 with MAXPHYADDR 40', (v) => v.write64('CR3', 0x1000, 0x100)],
  ['cr4_mbz', 'CR4.PCIDE (unsupported)', (v) => v.write('CR4', 0x6a0 | (1 << 17))],
  ['cr4_mbz', 'CR4 bit 32', (v) => v.write64('CR4', 0x6a0, 1)],
  ['dr6_dr7_high_bits', 'DR6 bit 32', (v) => v.write64('DR6', 0xffff0ff0 | 0, 1)],
  ['dr6_dr7_high_bits', 'DR7 bit 63', (v) => v.write64('DR7', 0x400, 1 << 31)],
  ['efer_mbz', 'EFER bit 1', (v) => v.write('EFER', 0x1d03)],
  ['efer_mbz', 'EFER bit 32', (v) => v.write64('EFER', 0x1d01, 1)],
  ['efer_mbz', 'LME without long-mode support', () => ({ ...CAPS, eferSupported: EFER_SUPPORTED & ~0x500 })],
  ['lme_pg_without_pae', 'CR4.PAE=0', (v) => v.write('CR4', 0x680)],
  ['lme_pg_without_pe', 'CR0.PE=0', (v) => v.write('CR0', 0x80050032)],
  ['long_mode_cs_l_and_d', 'CS.L=1 and CS.D=1', (v) => v.write('CS_ATTRIB', 0x69b)],
  ['vmrun_intercept_clear', 'word 4 bit 0 clear', (v) => v.write('INTERCEPT_WORD4', 0xfffe)],
  ['msrpm_iopm_beyond_maxphyaddr', 'MSRPM last byte at 2^40 - 1', (v) => v.write('MSRPM_BASE_PA', 2 ** 40 - 0x2000)],
  ['msrpm_iopm_beyond_maxphyaddr', 'IOPM at 2^40', (v) => v.write('IOPM_BASE_PA', 2 ** 40)],
  ['msrpm_iopm_beyond_maxphyaddr', 'MSRPM base with bit 63', (v) => v.write64('MSRPM_BASE_PA', 0x7000, 1 << 31)],
  ['illegal_eventinj', 'reserved type 1', (v) => v.write('EVENTINJ', makeEventInfo(0x20, 1, false))],
  ['illegal_eventinj', 'exception vector 2', (v) => v.write('EVENTINJ', makeEventInfo(2, EventType.EXCEPTION, false))],
  ['illegal_eventinj', '#BR in 64-bit mode', (v) => v.write('EVENTINJ', makeEventInfo(5, EventType.EXCEPTION, false))],
  ['asid_zero', 'ASID 0', (v) => v.write('GUEST_ASID', 0)],
  ['np_unsupported_or_bad_ncr3', 'NP unsupported', () => ({ ...CAPS, npSupported: false })],
  ['np_unsupported_or_bad_ncr3', 'N_CR3 bit 40', (v) => v.write64('N_CR3', 0x5000, 0x100)],
  ['np_unsupported_or_bad_ncr3', 'host CR0.PG=0', () => {}, false],
  ['g_pat_invalid_type', 'PAT entry type 2', (v) => v.write('G_PAT', 0x0007040600070402n)],
  ['g_pat_invalid_type', 'PAT entry 8 in the high dword', (v) => v.write('G_PAT', 0x0807040600070406n)],
];

for (const [name, what, mutate, hostPaging = true] of CASES) {
  test(`${name}: ${what}`, () => {
    const { mem, v } = baseline();
    const caps = mutate(v) ?? CAPS;
    assert.equal(check(mem, caps, hostPaging), name);
  });
}

test('every named check has a failing case', () => {
  const covered = new Set(CASES.map((c) => c[0]));
  for (const c of VMRUN_CHECKS) assert.ok(covered.has(c.name), c.name);
});

test('checks that only apply in long mode or with NP pass outside them', () => {
  const { mem, v } = baseline();
  // Legacy paging (LME=0): CR3 high bits, PAE=0 and CS.L&D are not VMRUN checks.
  v.write('EFER', 0x1000);
  v.write('CR4', 0);
  v.write64('CR3', 0x1000, 0x100);
  v.write('CS_ATTRIB', 0x69b);
  v.write('EVENTINJ', makeEventInfo(5, EventType.EXCEPTION, false)); // #BR is fine outside 64-bit mode
  // NP off: N_CR3, G_PAT and NP support do not matter.
  v.write('MISC_CTL1', 0);
  v.write64('N_CR3', -1, -1);
  v.write('G_PAT', 0x0202020202020202n);
  assert.equal(check(mem, { ...CAPS, npSupported: false }, false), null);
  // Paged real mode (PE=0, PG=1, LME=0) is accepted by VMRUN (svm.md 14).
  v.write('CR0', 0x80000010);
  assert.equal(check(mem), null);
});

test('map extents: the highest legal bases', () => {
  const { mem, v } = baseline();
  v.write('MSRPM_BASE_PA', 2 ** 40 - 0x3000);
  v.write('IOPM_BASE_PA', 2 ** 40 - 0x4000 + 0xfff); // low 12 bits ignored
  assert.equal(check(mem), null);
});

test('several failures: the first in table order wins', () => {
  const { mem, v } = baseline();
  v.write('GUEST_ASID', 0);
  v.write('INTERCEPT_WORD4', 0);
  v.write('EFER', 0x0d01);
  assert.equal(check(mem), 'efer_svme_clear');
  assert.deepEqual(failedChecks(readGuestStateForChecks(mem, VMCB_HPA), CAPS), ['efer_svme_clear', 'vmrun_intercept_clear', 'asid_zero']);
});
