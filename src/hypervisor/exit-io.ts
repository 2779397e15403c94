// IOIO exits (7Bh; EXITINFO1 svm.md 6.1, EXITINFO2 = next RIP). Plain IN/OUT go to the VMM as
// one 'io' exit; IN completes by merging the data into AL/AX/EAX (EAX zero-extends RAX).
// INS/OUTS are emulated one element per exit: the hypervisor walks the guest's page tables
// (guest-walk.ts) for ES:rDI / seg:rSI, moves one element, steps rSI/rDI by DF and, with REP,
// decrements rCX and leaves RIP on the instruction until rCX reaches 0 (the guest re-executes
// it and exits again). Slow, correct, and rare in Linux (the 8250 driver uses OUTB).
import { decodeIoioExitInfo1 } from '../cpu/svm/iopm';
import { VMCB } from '../cpu/svm/vmcb-layout';
import { DF, DS, ES, RAX, RCX, RDI, RSI, PF_VEC } from '../cpu/regs';
import type { HvExit } from './exits';
import { GuestPageFault, linearAddress, translateLinear } from './guest-walk';
import type { HvVcpu } from './vcpu-loop';

const TWO32 = 0x1_0000_0000;

export function handleIoio(vc: HvVcpu): HvExit | null {
  const r = vc.regs;
  const io = decodeIoioExitInfo1(r.read32(VMCB.EXITINFO1) >>> 0);
  const size = io.sizeBytes;
  const mask = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  const nextRip = r.read64(VMCB.EXITINFO2);
  const done = () => { r.rip = nextRip; r.clearShadow(); };
  if (!io.isString) {
    if (!io.isIn) {
      done();
      return { kind: 'io', port: io.port, size, isWrite: true, value: (r.lo(RAX) & mask) >>> 0 };
    }
    vc.awaitingRead = (value) => {
      const v = value & mask;
      if (size === 4) r.set(RAX, v | 0, 0);
      else r.set(RAX, (r.lo(RAX) & ~mask) | v, r.hi(RAX));
      done();
      return null;
    };
    return { kind: 'io', port: io.port, size, isWrite: false, value: 0 };
  }

  // String I/O: one element.
  const asz = io.addrSize;
  const readIdx = (reg: number) => asz === 64 ? r.num(reg) : asz === 32 ? r.lo(reg) >>> 0 : r.lo(reg) & 0xffff;
  const writeIdx = (reg: number, val: number) => {
    if (asz === 64) r.setNum(reg, val);
    else if (asz === 32) r.set(reg, val % TWO32 | 0, 0);
    else r.set(reg, (r.lo(reg) & ~0xffff) | (val & 0xffff), r.hi(reg));
  };
  if (io.isRep && readIdx(RCX) === 0) { done(); return null; }
  const step = (r.rflags & DF) !== 0 ? -size : size;
  const bits = r.codeBits();
  const finishElement = (idxReg: number) => {
    writeIdx(idxReg, readIdx(idxReg) + step);
    if (io.isRep) {
      const left = readIdx(RCX) - 1;
      writeIdx(RCX, left);
      if (left === 0) done();
    } else done();
  };
  const seg = io.isIn ? ES : io.segment ?? DS;
  if (seg >= 4) vc.cpu.vmsave(vc.vmcb); // FS/GS bases live in the CPU until VMSAVE (svm.md 4)
  const idxReg = io.isIn ? RDI : RSI;
  let gpa: number;
  try {
    gpa = translateLinear(r, vc.env.ram, linearAddress(r, seg, readIdx(idxReg), bits), io.isIn);
  } catch (e) {
    if (!(e instanceof GuestPageFault)) throw e;
    r.write64(VMCB.CR2, e.linear);
    vc.injectException(PF_VEC, e.errorCode);
    return null;
  }
  if (!vc.env.ram.isRam(gpa) || !vc.env.ram.isRam(gpa + size - 1)) {
    return vc.internalError(0x7b, `string I/O on port 0x${io.port.toString(16)} to non-RAM guest address 0x${gpa.toString(16)}`);
  }
  if (io.isIn) {
    vc.awaitingRead = (value) => {
      const b = new Uint8Array(size);
      for (let i = 0; i < size; i++) b[i] = (value >>> (8 * i)) & 0xff;
      vc.env.ram.write(gpa, b);
      finishElement(RDI);
      return null;
    };
    return { kind: 'io', port: io.port, size, isWrite: false, value: 0 };
  }
  const b = vc.env.ram.read(gpa, size);
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + b[i];
  finishElement(RSI);
  return { kind: 'io', port: io.port, size, isWrite: true, value };
}
