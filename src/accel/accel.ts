// The seam between the machine and whatever runs vCPUs (ARCHITECTURE.md, accel/): one small
// interface we own. `soft` implements it over cpu/ + hypervisor/; a KVM back end must fit it
// too (its ioctls map onto it: KVM_RUN -> run(), KVM_SET_REGS/SREGS -> setBootState(),
// KVM_IRQ_LINE/KVM_SIGNAL_MSI -> deliverInterrupt(), the in-kernel LAPIC -> the soft LAPIC).
//
// Protocol: the VMM calls vcpu.run() in a loop. An exit with `isWrite: false` (io or mmio)
// must be answered with vcpu.completeRead(value) before the next run(); writes need nothing.
// 'halt' means: sleep until guest time `untilNs` (vcpu.guestTimeNs() tells the time) or until
// deliverInterrupt()/the PIC raises something, then run() again. 'slice' means: turn the event
// loop (timers, stdin), then run() again. 'shutdown' and 'internal-error' end the VM.


// The vocabulary types are defined once, where the soft back end produces them; they are
// plain data, so another back end (KVM) fills them without depending on the soft one.
import type { HvExit } from '../hypervisor/exits';
import type { ExitStatsSnapshot } from '../hypervisor/stats';
import type { BootState, GprName } from '../hypervisor/boot-state';
import type { InterruptMessage } from '../hypervisor/vm';
export type { BootState, GprName, SegmentState, TableState } from '../hypervisor/boot-state';
export type { InterruptMessage } from '../hypervisor/vm';

/** Why Vcpu.run() returned (hypervisor/exits.ts lists the kinds). */
export type VcpuExit = HvExit;
/** Exit counts by SVM exit-code name (or a back end's own reasons) and the time split. */
export type VcpuStats = ExitStatsSnapshot;
export interface RegsView { gpr: Record<GprName, bigint>; rip: bigint; rflags: number }

/** The legacy 8259 pair as the CPU's INTR pin sees it (LAPIC LINT0 in ExtINT mode). */
export interface ExternalInterrupts {
  hasExtInt(): boolean;
  /** Interrupt acknowledge: the vector to deliver. */
  ackExtInt(): number;
}


export interface Vcpu {
  readonly id: number;
  setBootState(state: BootState): void;
  run(): VcpuExit;
  completeRead(value: number): void;
  /** The VMM's next device timer in guest ns (null: none): run() returns 'slice' by then, so device interrupts are not late. */
  setDeviceDeadline(ns: number | null): void;
  /** This vCPU's guest time in ns (= its TSC at 1 GHz for the soft accelerator). */
  guestTimeNs(): number;
  getRegs(): RegsView;
  stats(): VcpuStats;
}

export interface RamRegion { gpa: number; size: number }

export interface VmOptions {
  memoryBytes: number;
  /** Where RAM sits in guest-physical space; default [0, min(size, 3 GiB)) and the rest from 4 GiB. */
  ramRegions?: RamRegion[];
  maxVcpus?: number;
}

export interface Vm {
  readonly ramRegions: readonly RamRegion[];
  /** Copy out of / into guest RAM by guest-physical address (kernels, boot params, virtqueues). */
  readMemory(gpa: number, len: number): Uint8Array;
  writeMemory(gpa: number, bytes: Uint8Array): void;
  createVcpu(id: number): Vcpu;
  deliverInterrupt(msg: InterruptMessage): void;
  setExternalInterrupts(pic: ExternalInterrupts | null): void;
  onLevelEoi(cb: (vector: number) => void): void;
  guestTimeNs(): number;
  destroy(): void;
}

export interface Accelerator {
  readonly name: string;
  createVm(opts: VmOptions): Vm;
}

/** The VMM asked for an impossible VM (memory size, regions, vCPU count). */
export class VmConfigError extends RangeError {
  constructor(what: string) {
    super(`bad VM configuration: ${what}`);
    this.name = 'VmConfigError';
  }
}
