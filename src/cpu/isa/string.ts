// String instructions (A4-A7, AA-AF); the work is in string-ops.ts. INS/OUTS belong to the system group.
import { def } from './table';
import { cmps, lods, movs, scas, stos } from './string-ops';

export function registerString(): void {
  def(0xa4, 'movsb', {}, (c) => movs(c, 1));
  def(0xa5, 'movsZv', {}, (c) => movs(c, c.opSize));
  def(0xa6, 'cmpsb', {}, (c) => cmps(c, 1));
  def(0xa7, 'cmpsZv', {}, (c) => cmps(c, c.opSize));
  def(0xaa, 'stosb', {}, (c) => stos(c, 1));
  def(0xab, 'stosZv', {}, (c) => stos(c, c.opSize));
  def(0xac, 'lodsb', {}, (c) => lods(c, 1));
  def(0xad, 'lodsZv', {}, (c) => lods(c, c.opSize));
  def(0xae, 'scasb', {}, (c) => scas(c, 1));
  def(0xaf, 'scasZv', {}, (c) => scas(c, c.opSize));
}
