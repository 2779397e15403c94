// System instructions: registered by the system group.
import { def, OP_0F } from '../isa/table';
import { raiseUD } from '../exceptions';
import { svmInstruction } from './group7';

export function registerSystem(): void {
  def(OP_0F | 0x01, 'grp7', { modrm: true }, (c) => {
    if (c.mod === 3 && ((c.modrm >> 3) & 7) === 3) return svmInstruction(c, c.modrm & 7);
    raiseUD(c);
  });
}
