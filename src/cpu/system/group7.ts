// 0F 01 (group 7): SGDT SIDT LGDT LIDT SMSW LMSW INVLPG and the register forms, among
// them the SVM instructions as a guest executes them (svm.md section 2).
// SVM instructions in guest mode: intercepted -> #VMEXIT; VMMCALL not intercepted -> #UD;
// the others are not virtualized here (no nested SVM) and raise #UD.
import type { Cpu } from '../cpu';
import { checkIntercept, raiseGP, raiseUD } from '../exceptions';

export const VMEXIT_VMRUN = 0x80, VMEXIT_VMMCALL = 0x81, VMEXIT_VMLOAD = 0x82, VMEXIT_VMSAVE = 0x83;
export const VMEXIT_STGI = 0x84, VMEXIT_CLGI = 0x85, VMEXIT_SKINIT = 0x86, VMEXIT_INVLPGA = 0x7a;

/** Register forms with ModRM.reg = 3: D8-DF. */
export function svmInstruction(c: Cpu, rm: number): void {
  switch (rm) {
    case 1: // VMMCALL: any CPL
      checkIntercept(c, VMEXIT_VMMCALL);
      raiseUD(c);
      break;
    case 0: svmPrivileged(c, VMEXIT_VMRUN); break;
    case 2: svmPrivileged(c, VMEXIT_VMLOAD); break;
    case 3: svmPrivileged(c, VMEXIT_VMSAVE); break;
    case 4: svmPrivileged(c, VMEXIT_STGI); break;
    case 5: svmPrivileged(c, VMEXIT_CLGI); break;
    case 6: svmPrivileged(c, VMEXIT_SKINIT); break;
    default: svmPrivileged(c, VMEXIT_INVLPGA); break;
  }
}

/** Legality order (svm.md section 2): #UD if EFER.SVME=0 or real mode; #GP if CPL>0; then the intercept. */
function svmPrivileged(c: Cpu, exit: number): void {
  if ((c.efer & (1 << 12)) === 0 || !c.protectedMode) raiseUD(c);
  if (c.cpl !== 0) raiseGP(c, 0);
  checkIntercept(c, exit);
  raiseUD(c); // nested SVM is not offered
}
