// Exit counters by SVM exit code (svm.md 5, named by exitCodeName) and the time split between
// the guest (inside VMRUN), the hypervisor (the rest of run()) and the VMM (between run() calls).
import { exitCodeName } from '../cpu/svm/exit-codes';

export interface ExitStatsSnapshot {
  /** Exits by APM name without VMEXIT_ ("NPF", "IOIO", "HLT", ...). */
  exits: Record<string, number>;
  guestMs: number;
  hypervisorMs: number;
  vmmMs: number;
  /** NPFs that backed a guest RAM page (lazy fill). */
  ramPagesFaulted: number;
  /** NPFs emulated as MMIO (LAPIC in the hypervisor, or returned to the VMM). */
  mmioEmulated: number;
  /** Guest errors the hypervisor answered itself (#GP/#UD injected, dropped accesses). */
  guestErrors: number;
}

export class ExitStats {
  private readonly byCode = new Map<number, number>();
  guestMs = 0;
  hypervisorMs = 0;
  vmmMs = 0;
  ramPagesFaulted = 0;
  mmioEmulated = 0;
  guestErrors = 0;

  count(code: number): void {
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
  }
  countOf(code: number): number {
    return this.byCode.get(code) ?? 0;
  }

  snapshot(): ExitStatsSnapshot {
    const exits: Record<string, number> = {};
    for (const [code, n] of [...this.byCode].sort((a, b) => b[1] - a[1])) exits[exitCodeName(code)] = n;
    return {
      exits, guestMs: this.guestMs, hypervisorMs: this.hypervisorMs, vmmMs: this.vmmMs,
      ramPagesFaulted: this.ramPagesFaulted, mmioEmulated: this.mmioEmulated, guestErrors: this.guestErrors,
    };
  }
}
