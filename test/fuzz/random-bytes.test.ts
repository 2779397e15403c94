// Property: any byte sequence run as 64-bit guest code ends in a #VMEXIT (of any kind)
// within a bounded budget, never with a JavaScript error. Failing inputs are shrunk
// and reported with their bytes.
import test = require('node:test');
import assert = require('node:assert/strict');
import fc = require('fast-check');
import { Guest64, DATA_VA } from '../harness/guest64';

const RSP = 4;

test('random instruction bytes never throw a JavaScript error or hang', () => {
  const g = new Guest64();
  const regs = fc.array(fc.bigUintN(64), { minLength: 16, maxLength: 16 });
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 32 }), regs, fc.nat(0xffff), (code, gpr, flags) => {
      g.load(code);
      for (let r = 0; r < 16; r++) g.setReg(r, gpr[r]);
      // Half the time point the registers at the data area, so memory operands hit mapped pages.
      if (flags & 1) for (let r = 0; r < 16; r++) g.setReg(r, BigInt(DATA_VA + 0x8000) + (gpr[r] & 0xfffn));
      g.setReg(RSP, BigInt(DATA_VA + 0x8000));
      g.setRflags(BigInt(flags & 0xcd5) | 2n);
      let r;
      try {
        r = g.run(100_000);
      } catch (e) {
        const bytes = Array.from(code, (b) => b.toString(16).padStart(2, '0')).join(' ');
        throw new Error(`JS error on [${bytes}]: ${(e as Error).stack ?? String(e)}`);
      }
      assert.equal(typeof r.exitCode, 'number');
    }),
    { numRuns: 3000, seed: 20240611 },
  );
});
