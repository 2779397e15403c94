import { test } from 'node:test';
import assert = require('node:assert/strict');
import { PhysMem } from '../phys-mem';
import { Intercept, interceptBit, isInterceptSet, setIntercept, INTERCEPT_VECTOR_BITS, type InterceptName } from './intercepts';
import { SvmExit } from './exit-codes';
import { VMCB } from './vmcb-layout';

test('every word 3/4/5 intercept: exit code = 32 * word_index + bit = SvmExit of the same name', () => {
  const names = Object.keys(Intercept) as InterceptName[];
  assert.equal(names.length, 32 + 32 + 7);
  for (const name of names) {
    const b = Intercept[name];
    const base = (<Record<number, number | undefined>>{ 0x00c: 0x60, 0x010: 0x80, 0x014: 0xa0 })[b.word];
    if (base === undefined) throw new Error(`${name}: bad word ${b.word}`);
    assert.equal(b.exit, base + b.bit, name);
    assert.equal(b.mask, (1 << b.bit) | 0);
    const exitName = name === 'IOIO_PROT' ? 'IOIO' : name === 'MSR_PROT' ? 'MSR' : name;
    assert.equal((SvmExit as Record<string, number>)[exitName], b.exit, name);
  }
  assert.deepEqual(interceptBit('VMRUN'), { word: VMCB.INTERCEPT_WORD4, bit: 0, mask: 1, exit: 0x80 });
  assert.deepEqual(interceptBit('IOIO_PROT'), { word: VMCB.INTERCEPT_WORD3, bit: 27, mask: 1 << 27, exit: 0x7b });
  assert.deepEqual(interceptBit('SHUTDOWN'), { word: 0x00c, bit: 31, mask: 1 << 31, exit: 0x7f });
  assert.deepEqual(interceptBit('INVPCID'), { word: 0x014, bit: 2, mask: 4, exit: 0xa2 });
  assert.equal(interceptBit('CR8_WRITE_TRAP').exit, SvmExit.CR8_WRITE_TRAP);
});

test('isInterceptSet over the 192-bit vector (CR, DR, exceptions, words 3-5)', () => {
  const mem = new PhysMem(0x2000);
  const vmcb = 0x1000;
  const codes = [SvmExit.CR0_READ, SvmExit.CR3_WRITE, SvmExit.CR15_WRITE, SvmExit.DR7_READ, SvmExit.DR0_WRITE,
    SvmExit.EXCP_PF, SvmExit.EXCP_BASE + 31, SvmExit.INTR, SvmExit.SHUTDOWN, SvmExit.VMRUN, SvmExit.CR15_WRITE_TRAP,
    SvmExit.INVLPGB, SvmExit.IDLE_HLT];
  for (const c of codes) {
    assert.equal(isInterceptSet(mem, vmcb, c), false);
    setIntercept(mem, vmcb, c, true);
    assert.equal(isInterceptSet(mem, vmcb, c), true, `0x${c.toString(16)}`);
  }
  // Hardware layout: CR write 3 is bit 19 of dword 0; #PF is bit 14 of dword 8h.
  assert.equal(mem.read32(vmcb) & (1 << 19), 1 << 19);
  assert.equal(mem.read32(vmcb + VMCB.INTERCEPT_EXCEPTIONS) & (1 << 14), 1 << 14);
  assert.equal(mem.read32(vmcb + VMCB.INTERCEPT_WORD3) & Intercept.SHUTDOWN.mask, Intercept.SHUTDOWN.mask);
  for (let c = 0; c < INTERCEPT_VECTOR_BITS; c++) assert.equal(isInterceptSet(mem, vmcb, c), codes.includes(c), `0x${c.toString(16)}`);
  setIntercept(mem, vmcb, SvmExit.SHUTDOWN, false);
  assert.equal(isInterceptSet(mem, vmcb, SvmExit.SHUTDOWN), false);
  assert.equal(isInterceptSet(mem, vmcb, SvmExit.INTR), true);
  // Codes without an intercept bit.
  mem.fill(vmcb, 0x400, 0xff);
  assert.equal(isInterceptSet(mem, vmcb, SvmExit.NPF), false);
  assert.equal(isInterceptSet(mem, vmcb, SvmExit.INVALID), false);
  assert.equal(isInterceptSet(mem, vmcb, 0xc0), false);
  assert.throws(() => setIntercept(mem, vmcb, SvmExit.NPF, true), RangeError);
});
