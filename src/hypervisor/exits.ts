// What the hypervisor's inner loop returns to its caller (accel/soft maps it 1:1 onto VcpuExit):
// the exits the VMM must handle (port I/O, MMIO of devices), halts, time-slice ends, and the
// guest-fatal cases. The easy exits never leave the hypervisor (vcpu-loop.ts).

export type HvExit =
  /** Port I/O. For !isWrite the VMM answers with completeRead(value) before the next run(). */
  | { kind: 'io'; port: number; size: 1 | 2 | 4; isWrite: boolean; value: number }
  /** MMIO outside RAM and the LAPIC. 8-byte accesses arrive as two 4-byte exits (low dword first). */
  | { kind: 'mmio'; gpa: number; size: 1 | 2 | 4; isWrite: boolean; value: number }
  /** HLT with nothing to deliver: sleep until guest time `untilNs` (next timer), or until an interrupt if null. */
  | { kind: 'halt'; untilNs: number | null; interruptsMasked: boolean }
  /** The host time slice ended: turn the event loop, then run() again. */
  | { kind: 'slice' }
  /** Triple fault: the VM is dead (a clean shutdown, not an error of the process). */
  | { kind: 'shutdown'; reason: string }
  /** Something the hypervisor cannot emulate; the VM cannot continue. */
  | { kind: 'internal-error'; reason: string; exitCode: string; bytes?: number[] };

/** The caller misused the vCPU (e.g. run() without completing a read): a bug in the VMM, not the guest. */
export class VcpuUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VcpuUsageError';
  }
}
