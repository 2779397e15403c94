// The host's SVM instructions other than VMRUN (svm.md section 2): VMLOAD, VMSAVE,
// STGI, CLGI, INVLPGA. The host is TypeScript at CPL 0; misuse throws SvmInstructionError.
import type { Cpu } from '../cpu';
import { checkSvmAddress, SvmInstructionError } from './vmrun';
import { vmloadState, vmsaveState } from './guest-state';
import { EFER_SVME } from '../regs';

export function vmload(c: Cpu, vmcb: number): void {
  checkSvmAddress(c, 'VMLOAD', vmcb);
  vmloadState(c, vmcb);
}
export function vmsave(c: Cpu, vmcb: number): void {
  checkSvmAddress(c, 'VMSAVE', vmcb);
  vmsaveState(c, vmcb);
}
function needSvme(c: Cpu, name: string): void {
  if ((c.hostEfer & EFER_SVME) === 0) throw new SvmInstructionError('#UD', `${name} with EFER.SVME = 0`);
}
export function stgi(c: Cpu): void { needSvme(c, 'STGI'); c.gif = true; }
export function clgi(c: Cpu): void { needSvme(c, 'CLGI'); c.gif = false; }
/** INVLPGA rAX=linear address, ECX=ASID: drop that page's translation for that ASID. */
export function invlpga(c: Cpu, linear: number, asid: number): void {
  needSvme(c, 'INVLPGA');
  const lo = linear | 0, hi = Math.floor(linear / 0x100000000) | 0;
  c.tlb.flushPage(lo, hi, asid);
}
