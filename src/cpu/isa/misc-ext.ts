// Extension and register-only moves: MOVZX/MOVSX, CMOVcc, SETcc, BSWAP, CBW/CWDE/CDQE,
// CWD/CDQ/CQO (APM Vol.3 MOVZX, MOVSX, CMOVcc, SETcc, BSWAP, CBW, CWD).
import type { Cpu } from '../cpu';
import { testCondition } from '../flags';
import { readE, readReg, writeE, writeG, writeReg } from '../operands';
import { def, defRange, OP_0F } from './table';
import { RAX, RDX } from '../regs';

/** Write a sign/zero-extended value `v` (int32, already extended to 32 bits) to G at the operand size. */
function writeGExt(c: Cpu, v: number, sx: boolean): void {
  const s = c.opSize;
  writeG(c, s, s === 2 ? v & 0xffff : v, s === 8 && sx ? v >> 31 : 0);
}

function bswap32(v: number): number {
  return ((v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) | 0;
}

export function registerMiscExt(): void {
  def(OP_0F | 0xb6, 'movzxGvEb', { modrm: true }, (c) => writeGExt(c, readE(c, 1), false));
  def(OP_0F | 0xb7, 'movzxGvEw', { modrm: true }, (c) => writeGExt(c, readE(c, 2), false));
  def(OP_0F | 0xbe, 'movsxGvEb', { modrm: true }, (c) => writeGExt(c, (readE(c, 1) << 24) >> 24, true));
  def(OP_0F | 0xbf, 'movsxGvEw', { modrm: true }, (c) => writeGExt(c, (readE(c, 2) << 16) >> 16, true));

  // CMOVcc: the source is read (and may fault) whatever the condition; a 32-bit
  // destination is zero-extended even when nothing moves (APM Vol.3 CMOVcc).
  defRange(OP_0F | 0x40, 16, 'cmovccGvEv', { modrm: true }, (c) => {
    const s = c.opSize;
    const lo = readE(c, s), hi = c.tHi;
    if (testCondition(c, c.opcode & 15)) writeG(c, s, lo, hi);
    else if (s === 4) c.gpr[(c.regG << 1) | 1] = 0;
  });
  defRange(OP_0F | 0x90, 16, 'setccEb', { modrm: true }, (c) => writeE(c, 1, testCondition(c, c.opcode & 15) ? 1 : 0, 0));

  // BSWAP: the 16-bit form is undefined; like AMD processors it clears the low word.
  defRange(OP_0F | 0xc8, 8, 'bswapZv', {}, (c) => {
    const r = (c.opcode & 7) | ((c.rex & 1) << 3);
    const i = r << 1, g = c.gpr;
    if (c.opSize === 8) {
      const lo = g[i];
      g[i] = bswap32(g[i + 1]);
      g[i + 1] = bswap32(lo);
    } else if (c.opSize === 4) writeReg(c, 4, r, bswap32(g[i]), 0);
    else g[i] &= ~0xffff;
  });

  def(0x98, 'cbwCwdeCdqe', {}, (c) => {
    const g = c.gpr;
    switch (c.opSize) {
      case 2: writeReg(c, 2, RAX, (g[0] << 24) >> 24, 0); break;
      case 4: writeReg(c, 4, RAX, (g[0] << 16) >> 16, 0); break;
      default: g[1] = g[0] >> 31;
    }
  });
  def(0x99, 'cwdCdqCqo', {}, (c) => {
    const s = c.opSize;
    const v = readReg(c, s, RAX);
    const sign = s === 2 ? (v << 16) >> 31 : s === 4 ? v >> 31 : c.tHi >> 31;
    writeReg(c, s, RDX, sign, sign);
  });
}
