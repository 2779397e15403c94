// Decimal adjust (legacy, #UD in 64-bit mode): DAA DAS AAA AAS AAM AAD. APM Vol.3 and the
// Intel SDM pseudo-code. Flags the manuals leave undefined are set as noted per handler.
import type { Cpu } from '../cpu';
import { raiseDE } from '../exceptions';
import { readFlags, setArithFlags, szpBits } from '../flags';
import { readReg, writeReg } from '../operands';
import { AF, CF, RAX } from '../regs';
import { def, IMM_B } from './table';

/** DAA (27) / DAS (2F): adjust AL after packed-BCD add / subtract. OF undefined (cleared). */
function daaDas(c: Cpu, sub: boolean): void {
  const f = readFlags(c);
  const oldAl = readReg(c, 1, RAX);
  const oldCf = f & CF;
  let al = oldAl, cf = 0, af = 0;
  if ((al & 0x0f) > 9 || (f & AF) !== 0) {
    al = sub ? al - 6 : al + 6;
    cf = oldCf | (sub ? (oldAl < 6 ? 1 : 0) : (al > 0xff ? 1 : 0));
    al &= 0xff;
    af = AF;
  }
  if (oldAl > 0x99 || oldCf !== 0) {
    al = (sub ? al - 0x60 : al + 0x60) & 0xff;
    cf = 1;
  }
  writeReg(c, 1, RAX, al, 0);
  setArithFlags(c, szpBits(1, al, 0) | cf | af);
}

/** AAA (37) / AAS (3F): adjust AX after unpacked-BCD add / subtract. OF SF ZF PF undefined (from AL). */
function aaaAas(c: Cpu, sub: boolean): void {
  const f = readFlags(c);
  let ax = readReg(c, 2, RAX);
  let adj = 0;
  if ((ax & 0x0f) > 9 || (f & AF) !== 0) {
    // AX +/- 6 and AH +/- 1 (Intel SDM AAA/AAS, current processors).
    ax = sub ? ax - 6 - 0x100 : ax + 6 + 0x100;
    adj = AF | CF;
  }
  ax &= 0xff0f;
  writeReg(c, 2, RAX, ax, 0);
  setArithFlags(c, szpBits(1, ax & 0xff, 0) | adj);
}

/** AAM (D4 ib): AH = AL / imm, AL = AL mod imm; #DE if imm is 0. SF ZF PF from AL; OF AF CF cleared. */
function aam(c: Cpu): void {
  const base = c.immLo & 0xff;
  if (base === 0) raiseDE(c);
  const al = readReg(c, 1, RAX);
  const lo = al % base;
  writeReg(c, 2, RAX, (Math.floor(al / base) << 8) | lo, 0);
  setArithFlags(c, szpBits(1, lo, 0));
}
/** AAD (D5 ib): AL = AL + AH * imm, AH = 0. SF ZF PF from AL; OF AF CF cleared. */
function aad(c: Cpu): void {
  const ax = readReg(c, 2, RAX);
  const al = ((ax & 0xff) + (ax >> 8) * (c.immLo & 0xff)) & 0xff;
  writeReg(c, 2, RAX, al, 0);
  setArithFlags(c, szpBits(1, al, 0));
}

export function registerBcd(): void {
  def(0x27, 'daa', { inv64: true }, (c) => daaDas(c, false));
  def(0x2f, 'das', { inv64: true }, (c) => daaDas(c, true));
  def(0x37, 'aaa', { inv64: true }, (c) => aaaAas(c, false));
  def(0x3f, 'aas', { inv64: true }, (c) => aaaAas(c, true));
  def(0xd4, 'aamIb', { imm: IMM_B, inv64: true }, aam);
  def(0xd5, 'aadIb', { imm: IMM_B, inv64: true }, aad);
}
