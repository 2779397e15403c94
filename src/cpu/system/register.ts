// System instructions (APM Vol.2, Vol.3): registered by the system group at load.
import { def, IMM_P, IMM_W, OP_0F } from '../isa/table';
import { group7 } from './group7';
import { farCall, farJump, retFar } from './far';
import { registerSegOps } from './segops';
import { registerFlagOps } from './flagops';
import { registerIo } from './io';
import { registerCr } from './cr';
import { registerMsr } from './msr';
import { registerGroup6 } from './group6';
import { registerSysMisc } from './sysmisc';

export function registerSystem(): void {
  def(OP_0F | 0x01, 'grp7', { modrm: true }, group7);
  def(0xea, 'jmpAp', { imm: IMM_P, inv64: true }, (c) => farJump(c, c.imm2, c.immLo, 0, c.opSize));
  def(0x9a, 'callAp', { imm: IMM_P, inv64: true }, (c) => farCall(c, c.imm2, c.immLo, 0, c.opSize));
  def(0xcb, 'retFar', {}, (c) => retFar(c, 0));
  def(0xca, 'retFarIw', { imm: IMM_W }, (c) => retFar(c, c.immLo & 0xffff));
  registerSegOps();
  registerFlagOps();
  registerIo();
  registerCr();
  registerMsr();
  registerGroup6();
  registerSysMisc();
}
