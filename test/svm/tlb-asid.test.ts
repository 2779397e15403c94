// ASID-tagged TLB (svm.md 3.6, 13; APM Vol.2 15.16): two guests with different ASIDs map
// the same gVA to different host pages and alternate without flushes; a changed nested
// mapping stays stale until TLB_CONTROL 3/1 or INVLPGA; the TLB counters move.
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { RBX } from '../../src/cpu/regs';
import { Vm, VMCB, EXIT, CODE_VA, DATA_VA, DATA_HPA, CODE_HPA, LOW_HPA, asm, hex } from './vm';

const [CODE] = asm('mov eax, [rbx]');
const ALT_HPA = 0x600000, VMCB2 = 0x7000, NPT2 = 0x500000;
// Page 3 of the data area: gVA 0x10000000 would share a direct-mapped TLB slot with the code page.
const PG = DATA_VA + 0x3000;
/** A second page both guests map alike except B's -> ALT + 0x1000 (its own TLB slot). */
const PG2 = DATA_VA + 0x5000;
const A_VAL = 0xaaaa1111, B_VAL = 0xbbbb2222;

/** A minimal nested-table builder (4-level, 4 KiB pages) in host memory at `base`. */
function buildNpt(v: Vm, base: number, maps: [number, number][]): number {
  let next = base;
  const alloc = () => { const p = next; next += 0x1000; v.mem.fill(p, 0x1000, 0); return p; };
  const root = alloc();
  for (const [gpa, hpa] of maps) {
    let t = root;
    for (let level = 3; level > 0; level--) {
      const e = t + (Math.floor(gpa / 2 ** (12 + 9 * level)) % 512) * 8;
      if ((v.mem.read32(e) & 1) === 0) v.mem.write32(e, alloc() | 7);
      t = v.mem.read32(e) & ~0xfff;
    }
    v.mem.write32(t + (Math.floor(gpa / 4096) % 512) * 8, hpa | 7);
  }
  return root;
}

/** Guest A = ASID 1 (Guest64's VMCB), guest B = ASID 2 with its own nested tables: data page 3 -> ALT_HPA. */
type Run = (tlbCtl?: number, va?: number) => number;
function twoGuests(): { v: Vm; runA: Run; runB: Run } {
  const v = new Vm(CODE);
  v.mem.write32(DATA_HPA + 0x3000, A_VAL);
  v.mem.write32(ALT_HPA, B_VAL);
  v.mem.write32(DATA_HPA + 0x5000, A_VAL);
  v.mem.write32(ALT_HPA + 0x1000, B_VAL);
  const maps: [number, number][] = [];
  for (let p = 0; p < 0x10000; p += 0x1000) maps.push([p, LOW_HPA + p]);
  for (let p = 0; p < 0x10000; p += 0x1000) maps.push([DATA_VA + p, p === 0x3000 ? ALT_HPA : p === 0x5000 ? ALT_HPA + 0x1000 : DATA_HPA + p]);
  for (let p = 0; p < 0x10000; p += 0x1000) maps.push([CODE_VA + p, CODE_HPA + p]);
  const root2 = buildNpt(v, NPT2, maps);
  v.mem.writeBytes(VMCB2, v.mem.u8.slice(v.vmcb, v.vmcb + 0x1000));
  v.mem.write32(VMCB2 + VMCB.GUEST_ASID, 2);
  v.mem.write32(VMCB2 + VMCB.N_CR3, root2);
  const run = (vmcb: number, tlbCtl = 0, va = PG): number => {
    v.cpu.setReg64(RBX, va, 0);
    v.mem.write32(vmcb + VMCB.RIP, CODE_VA); v.mem.write32(vmcb + VMCB.RIP + 4, 0);
    v.mem.write8(vmcb + VMCB.TLB_CONTROL, tlbCtl);
    v.cpu.vmrun(vmcb, 10_000);
    assert.equal(hex(BigInt(v.mem.read32(vmcb + VMCB.EXITCODE) >>> 0)), hex(EXIT.VMMCALL));
    return v.mem.read32(vmcb + VMCB.RAX) >>> 0;
  };
  return { v, runA: (t, a) => run(v.vmcb, t, a), runB: (t, a) => run(VMCB2, t, a) };
}

test('two ASIDs, same gVA, different host pages: each guest sees its own data without flushes', () => {
  const { runA, runB } = twoGuests();
  for (let i = 0; i < 3; i++) {
    assert.equal(hex(runA()), hex(A_VAL), `round ${i}: guest A`);
    assert.equal(hex(runB()), hex(B_VAL), `round ${i}: guest B`);
  }
});

test('a changed nested mapping stays stale without a flush (tagged TLB); TLB_CONTROL=3 makes it visible', () => {
  const { v, runA } = twoGuests();
  assert.equal(hex(runA()), hex(A_VAL));
  v.mapNested(PG, ALT_HPA); // guest A's data page now -> ALT
  assert.equal(hex(runA(0)), hex(A_VAL), 'stale translation still used');
  assert.equal(hex(runA(3)), hex(B_VAL), 'TLB_CONTROL 3 flushed ASID 1');
});

// Guest B works on PG2 here so that its entry does not share a direct-mapped slot with A's.
test('TLB_CONTROL=3 flushes only the running ASID', () => {
  const { v, runA, runB } = twoGuests();
  runA(); runB(0, PG2);
  v.mapNested(PG, ALT_HPA);
  v.mem.write32(npt2Leaf(v, PG2), (DATA_HPA + 0x5000) | 7); // guest B's PG2 -> A's copy
  assert.equal(hex(runA(3)), hex(B_VAL), 'A flushed');
  assert.equal(hex(runB(0, PG2)), hex(B_VAL), 'B still stale');
  assert.equal(hex(runB(3, PG2)), hex(A_VAL), 'B flushed');
});

test('INVLPGA(gVA, ASID) drops that page for that ASID only', () => {
  const { v, runA } = twoGuests();
  runA();
  v.mapNested(PG, ALT_HPA);
  v.cpu.invlpga(PG, 2);
  assert.equal(hex(runA()), hex(A_VAL), 'INVLPGA of ASID 2 leaves ASID 1 stale');
  v.cpu.invlpga(PG + 0x200000, 1); // outside the guest's 2 MiB page
  assert.equal(hex(runA()), hex(A_VAL), 'INVLPGA of another page leaves it stale');
  v.cpu.invlpga(PG, 1);
  assert.equal(hex(runA()), hex(B_VAL), 'A sees the new mapping');
});

// Not architectural (a TLB may evict at will) but the point of ASIDs: a world switch
// between guests using the same gVA should not evict the other guest's entries.
test('entries of two ASIDs for the same gVA coexist (no misses after A, B, A)', {
}, () => {
  const { v, runA, runB } = twoGuests();
  runA(); runB(); runA();
  const m = v.cpu.tlb.misses;
  runB(); runA();
  assert.equal(v.cpu.tlb.misses, m, 'A and B evict each other');
});

test('TLB_CONTROL=1 flushes every ASID', () => {
  const { v, runA, runB } = twoGuests();
  runA(); runB();
  v.mapNested(PG, ALT_HPA);
  v.mem.write32(npt2Leaf(v, PG), (DATA_HPA + 0x3000) | 7);
  assert.equal(hex(runA(1)), hex(B_VAL));
  assert.equal(hex(runB(0)), hex(A_VAL), 'B flushed by A\'s TLB_CONTROL=1');
});

test('TLB counters: misses on first use, flushes on TLB_CONTROL 1 and 3', () => {
  const { v, runA } = twoGuests();
  const t = v.cpu.tlb;
  assert.equal(typeof t.misses, 'number'); assert.equal(typeof t.flushes, 'number'); assert.equal(typeof t.hits, 'number');
  const m0 = t.misses;
  runA();
  assert.ok(t.misses > m0, 'misses counted');
  const m1 = t.misses, f1 = t.flushes;
  runA(0);
  assert.equal(t.misses, m1, 'no new misses: everything cached');
  runA(1);
  assert.equal(t.flushes, f1 + 1);
  assert.ok(t.misses > m1, 'misses again after the flush');
  runA(3);
  assert.equal(t.flushes, f1 + 2);
});

test('TLB counters: hits counted', () => {
  const { v, runA } = twoGuests();
  runA();
  const h = v.cpu.tlb.hits;
  runA();
  assert.ok(v.cpu.tlb.hits > h, `tlb.hits did not move (${h})`);
});

/** Host address of guest B's nested PTE for gPA `gpa` (tables built by buildNpt). */
function npt2Leaf(v: Vm, gpa: number): number {
  let t = v.mem.read32(VMCB2 + VMCB.N_CR3) & ~0xfff;
  for (let level = 3; level > 0; level--) t = v.mem.read32(t + (Math.floor(gpa / 2 ** (12 + 9 * level)) % 512) * 8) & ~0xfff;
  return t + (Math.floor(gpa / 4096) % 512) * 8;
}
