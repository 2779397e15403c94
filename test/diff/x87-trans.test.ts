// x87 transcendental instructions vs the host, with tolerance: the model computes them
// in double (relative error ~1e-16), hardware in extended precision, so ST values are
// compared with a relative tolerance of 1e-14 and FSW.PE/C1 (rounding direction) ignored.
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { X87Case, assembleAll, fxWithCw, makeRng, runX87 } from './x87-harness';

const SNIPS = ['fsin', 'fcos', 'fptan', 'fsincos', 'f2xm1', 'fld1\nfxch\nfyl2x', 'fld1\nfxch\nfyl2xp1', 'fld1\nfpatan',
  'fsincos\nfaddp', 'fld st0\nfpatan'];

test('x87 transcendental vs host (tolerance 1e-14)', () => {
  const codes = assembleAll(SNIPS.map((s) => 'mov rbx, 0x10000000\nfld qword [rbx]\n' + s));
  const rng = makeRng(5);
  const cases: X87Case[] = [];
  for (let t = 0; t < SNIPS.length; t++) {
    for (let i = 0; i < 150; i++) {
      const data = new Uint8Array(65536);
      const dv = new DataView(data.buffer);
      const small = SNIPS[t] === 'f2xm1' || SNIPS[t].includes('fyl2xp1');
      const v = (rng() / 4294967296 - (SNIPS[t].includes('fyl2x\n') || SNIPS[t].endsWith('fyl2x') ? 0 : 0.5)) * (small ? 1.2 : 2 ** (rng() % 12));
      dv.setFloat64(0, v, true);
      cases.push({ code: codes[t], data, fxsave: fxWithCw(0x37f), gpr: new Array<bigint>(16).fill(0n), name: `${SNIPS[t].replace(/\n/g, '; ')} x=${v}` });
    }
  }
  const bad = runX87(cases, { tolerance: 1e-14, fswMask: 0xffff & ~0x220 });
  if (bad.length) console.log(`${bad.length} of ${cases.length} mismatches; first:\n${bad.slice(0, 20).join('\n')}`);
  assert.equal(bad.length, 0);
});
