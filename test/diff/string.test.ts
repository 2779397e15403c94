// Differential tests of the string instructions (MOVS CMPS STOS LODS SCAS with REP/REPE/
// REPNE, both DF values, 64- and 32-bit addressing) against the host CPU, and the
// register state a fault leaves in the middle of REP STOS/MOVS (APM Vol.3 1.2.7: the
// registers show the elements already done, so the instruction can restart).
import test = require('node:test');
import assert = require('node:assert/strict');
import { assemble64 } from '../native/assemble';
import { runDiff, makeRng, randomGprs, randomFlags, type DiffCase } from './diff';
import { Guest64, DATA_VA, DATA_SIZE } from '../harness/guest64';

const RCX = 1, RSI = 6, RDI = 7;
const SIZES: [string, number][] = [['b', 1], ['w', 2], ['d', 4], ['q', 8]];

interface Form { asm: string; size: number; a32: boolean; n: number }
const F: Form[] = [];
for (const [sfx, size] of SIZES) {
  for (const a32 of [false, true]) {
    const p = a32 ? 'a32 ' : '';
    const n = a32 ? 50 : 120;
    for (const op of ['movs', 'stos', 'lods']) {
      F.push({ asm: `${p}${op}${sfx}`, size, a32, n: n / 2 });
      F.push({ asm: `${p}rep ${op}${sfx}`, size, a32, n });
    }
    for (const op of ['cmps', 'scas']) {
      F.push({ asm: `${p}${op}${sfx}`, size, a32, n: n / 2 });
      F.push({ asm: `${p}repe ${op}${sfx}`, size, a32, n });
      F.push({ asm: `${p}repne ${op}${sfx}`, size, a32, n });
    }
  }
  // Ignored segment overrides (ES, SS) on the source; F2 with MOVS/STOS acts as REP.
  F.push({ asm: `db 0x26\nrep movs${sfx}`, size, a32: false, n: 30 });
  F.push({ asm: `db 0x36\nrep lods${sfx}`, size, a32: false, n: 20 });
  F.push({ asm: `db 0xf2\nmovs${sfx}`, size, a32: false, n: 30 });
  F.push({ asm: `db 0xf2\nstos${sfx}`, size, a32: false, n: 30 });
  // Two string instructions back to back (flags and registers flow between them).
  F.push({ asm: `rep movs${sfx}\nmov rcx, rdx\nrepe cmps${sfx}`, size, a32: false, n: 40 });
}

/** Data images: random bytes, and mostly-constant bytes (so REPE/REPNE run long). */
function dataPool(rng: () => number): Uint8Array[] {
  const pool: Uint8Array[] = [];
  for (let p = 0; p < 12; p++) {
    const d = new Uint8Array(DATA_SIZE);
    const fill = p % 3 === 0 ? -1 : p % 3 === 1 ? 0 : 0xff;
    for (let i = 0; i < DATA_SIZE; i++) {
      d[i] = fill < 0 || rng() < 0.001 ? Math.floor(rng() * 256) : fill;
    }
    pool.push(d);
  }
  return pool;
}

test('string instructions match the host CPU', (t) => {
  const codes = assemble64(F.map((f) => f.asm));
  const rng = makeRng(777);
  const pool = dataPool(rng);
  const cases: DiffCase[] = [];
  for (let i = 0; i < F.length; i++) {
    const { size, a32 } = F[i];
    for (let k = 0; k < F[i].n; k++) {
      const gpr = randomGprs(rng);
      const r = rng();
      // Counts: mostly small, sometimes beyond one step's bound (4096 elements).
      let count = r < 0.1 ? 0 : r < 0.7 ? Math.floor(rng() * 64) : r < 0.9 ? Math.floor(rng() * 700) : Math.floor(rng() * (0x6800 / size));
      const si = 0x10007000 + Math.floor(rng() * 0x2000);
      const di = rng() < 0.25 ? si + Math.floor(rng() * 33) - 16 : 0x10007000 + Math.floor(rng() * 0x2000);
      gpr[RSI] = BigInt(si); gpr[RDI] = BigInt(di);
      if (a32) {
        gpr[RSI] |= BigInt(Math.floor(rng() * 0x10000)) << 32n;
        gpr[RDI] |= BigInt(Math.floor(rng() * 0x10000)) << 32n;
      }
      gpr[RCX] = BigInt(count) | (a32 && rng() < 0.5 ? 0x7700000000n : 0n);
      gpr[2] = BigInt(Math.floor(rng() * 64)); // RDX: second count in two-instruction forms
      if (rng() < 0.3) gpr[0] = 0n; else if (rng() < 0.3) gpr[0] = 0xffffffffffffffffn;
      const rflags = randomFlags(rng) | (rng() < 0.5 ? 0x400n : 0n);
      cases.push({ code: codes[i], gpr, rflags, data: pool[Math.floor(rng() * pool.length)], label: F[i].asm });
    }
  }
  const rep = runDiff(cases, { compareData: true });
  t.diagnostic(`${rep.total} cases`);
  assert.ok(rep.total > 7000, `only ${rep.total} cases`);
  assert.deepEqual(rep.mismatches, []);
});

test('a fault in the middle of REP STOS/MOVS leaves the completed elements in the registers', () => {
  const g = new Guest64();
  const end = BigInt(DATA_VA + DATA_SIZE);
  for (const [asm, size, start] of [['rep stosb', 1, 0x1000fff0], ['rep stosq', 8, 0x1000e008], ['rep movsd', 4, 0x1000fffc], ['rep movsb', 1, 0x10008000]] as const) {
    const [code] = assemble64([asm]);
    g.load(code);
    g.setReg(RCX, 0x20000n);
    g.setReg(RDI, BigInt(start));
    g.setReg(RSI, BigInt(DATA_VA));
    g.setReg(0, 0x1122334455667788n);
    const r = g.run(1_000_000);
    // The element at the end of the data area faults (NPF: not mapped by the nested tables).
    assert.equal(r.exitCode, 0x400, asm);
    const done = (end - BigInt(start)) / BigInt(size);
    assert.equal(r.gpr[RDI], BigInt(start) + done * BigInt(size), `${asm} rdi`);
    assert.equal(r.gpr[RCX], 0x20000n - done, `${asm} rcx`);
    assert.equal(r.rip, 0x20000000n, `${asm} rip at the instruction`);
    if (asm.includes('stosb')) assert.equal(g.data()[DATA_SIZE - 1], 0x88);
  }
});
