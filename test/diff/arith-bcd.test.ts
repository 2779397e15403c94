// DAA DAS AAA AAS AAM AAD: 32-bit-only instructions, so the 64-bit host harness cannot run
// them. They run here in a compatibility-mode guest (CS.L=0, CS.D=1) and are checked against
// the Intel SDM pseudo-code (written out below) and the SDM's worked examples. Only the
// flags the manual defines are compared.
import test = require('node:test');
import assert = require('node:assert/strict');
import { Guest64 } from '../harness/guest64';
import { VMCB } from '../../src/cpu/svm/vmcb-layout';

const CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80;

function run32(g: Guest64, code: number[], ax: number, flags: number): { ax: number; flags: number; exit: number } {
  g.load(new Uint8Array(code));
  g.mem.write16(g.vmcb + VMCB.CS_SELECTOR + 2, 0xc9b); // 32-bit compatibility-mode code segment
  g.setReg(0, 0x12340000n | BigInt(ax));
  g.setRflags(BigInt(flags | 2));
  const r = g.run();
  return { ax: Number(r.gpr[0] & 0xffffn), flags: Number(r.rflags & 0xfffn), exit: r.exitCode };
}

function szp(v: number): number {
  let p = 1;
  for (let b = v & 0xff; b; b >>= 1) p ^= b & 1;
  return (p ? PF : 0) | ((v & 0xff) === 0 ? ZF : 0) | (v & 0x80 ? SF : 0);
}

// ---- SDM pseudo-code (Vol.2A "DAA", "DAS", "AAA", "AAS").
function daa(al: number, cf: number, af: number): [number, number] {
  const oldAl = al, oldCf = cf;
  cf = 0;
  if ((al & 0xf) > 9 || af) { const t = al + 6; cf = oldCf | (t > 0xff ? 1 : 0); al = t & 0xff; af = 1; } else af = 0;
  if (oldAl > 0x99 || oldCf) { al = (al + 0x60) & 0xff; cf = 1; } else cf = 0;
  return [al, (cf ? CF : 0) | (af ? AF : 0) | szp(al)];
}
function das(al: number, cf: number, af: number): [number, number] {
  const oldAl = al, oldCf = cf;
  cf = 0;
  if ((al & 0xf) > 9 || af) { const t = al - 6; cf = oldCf | (t < 0 ? 1 : 0); al = t & 0xff; af = 1; } else af = 0;
  if (oldAl > 0x99 || oldCf) { al = (al - 0x60) & 0xff; cf = 1; }
  return [al, (cf ? CF : 0) | (af ? AF : 0) | szp(al)];
}
function aaa(ax: number, af: number, sub: boolean): [number, number] {
  let f = 0;
  if ((ax & 0xf) > 9 || af) {
    ax = sub ? ((ax - 6) & 0xff) | ((((ax >> 8) - 1 - ((ax & 0xff) < 6 ? 1 : 0)) & 0xff) << 8) : ax + 0x106;
    f = AF | CF;
  }
  return [ax & 0xff0f, f];
}

test('DAA/DAS over every AL, CF, AF match the SDM pseudo-code', () => {
  const g = new Guest64();
  for (const [op, ref] of [[0x27, daa], [0x2f, das]] as const) {
    for (let al = 0; al < 256; al++) {
      for (const fl of [0, CF, AF, CF | AF]) {
        const r = run32(g, [op], 0x5500 | al, fl);
        assert.equal(r.exit, 0x81);
        const [eal, ef] = ref(al, fl & CF, fl & AF);
        const mask = CF | AF | SF | ZF | PF;
        assert.equal(r.ax, 0x5500 | eal, `${op.toString(16)} al=${al.toString(16)} f=${fl}`);
        assert.equal(r.flags & mask, ef, `${op.toString(16)} flags al=${al.toString(16)} f=${fl}`);
      }
    }
  }
});

test('SDM worked examples for DAA and DAS', () => {
  const g = new Guest64();
  // ADD AL,BL with AL=79h BL=35h gives AEh; DAA -> 14h, CF=1, AF=1.
  const add = run32(g, [0x04, 0x35, 0x27], 0x79, 0); // add al, 35h; daa
  assert.equal(add.ax & 0xff, 0x14);
  assert.equal(add.flags & (CF | AF), CF | AF);
  // SUB AL,BL with AL=35h BL=47h gives EEh, CF=1; DAS -> 88h, CF=1, AF=1.
  const r = run32(g, [0x2c, 0x47, 0x2f], 0x35, 0); // sub al, 47h; das
  assert.equal(r.ax & 0xff, 0x88);
  assert.equal(r.flags & (CF | AF), CF | AF);
});

test('AAA/AAS over every AL, AF and sample AH match the SDM pseudo-code', () => {
  const g = new Guest64();
  for (const [op, sub] of [[0x37, false], [0x3f, true]] as const) {
    for (const ah of [0, 1, 0x7f, 0xff]) {
      for (let al = 0; al < 256; al++) {
        for (const fl of [0, AF | CF]) {
          const r = run32(g, [op], (ah << 8) | al, fl);
          const [eax, ef] = aaa((ah << 8) | al, fl & AF, sub);
          assert.equal(r.ax, eax & 0xffff, `${op.toString(16)} ax=${((ah << 8) | al).toString(16)} f=${fl}`);
          assert.equal(r.flags & (CF | AF), ef);
        }
      }
    }
  }
  // 8 + 5 in unpacked BCD: AL=0Dh -> AX=0103h, CF=AF=1.
  const r = run32(g, [0x37], 0x000d, 0);
  assert.equal(r.ax, 0x0103);
});

test('AAM/AAD: quotient/remainder and AL+AH*base, SF ZF PF; AAM 0 raises #DE', () => {
  const g = new Guest64();
  for (const base of [10, 16, 7, 1, 255]) {
    for (let al = 0; al < 256; al += 3) {
      const m = run32(g, [0xd4, base], 0x3300 | al, 0);
      const eal = al % base;
      assert.equal(m.ax, (Math.floor(al / base) << 8) | eal);
      assert.equal(m.flags & (SF | ZF | PF), szp(eal));
      const ah = (al * 7) & 0xff;
      const d = run32(g, [0xd5, base], (ah << 8) | al, 0);
      const dal = (al + ah * base) & 0xff;
      assert.equal(d.ax, dal);
      assert.equal(d.flags & (SF | ZF | PF), szp(dal));
    }
  }
  assert.equal(run32(g, [0xd4, 10], 0x3f, 0).ax, 0x0603); // SDM: 63 -> AH=6 AL=3
  assert.equal(run32(g, [0xd5, 10], 0x0603, 0).ax, 0x3f);
  assert.equal(run32(g, [0xd4, 0], 0x3f, 0).exit, 0x40);
});

test('BCD instructions are #UD in 64-bit mode', () => {
  const g = new Guest64();
  for (const code of [[0x27], [0x2f], [0x37], [0x3f], [0xd4, 10], [0xd5, 10]]) {
    g.load(new Uint8Array(code));
    g.setRflags(2n);
    assert.equal(g.run().exitCode, 0x46);
  }
});
