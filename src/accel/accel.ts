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

/** Why Vcpu.run() returned. */
export type VcpuExit =
  /** Port I/O; value is the data written (isWrite) or 0. */
  | { kind: 'io'; port: number; size: 1 | 2 | 4; isWrite: boolean; value: number }
  /** MMIO to a guest-physical address that is neither RAM nor the LAPIC. 8-byte accesses come as two 4-byte exits. */
  | { kind: 'mmio'; gpa: number; size: 1 | 2 | 4; isWrite: boolean; value: number }
  /** HLT with nothing to deliver. untilNs: guest time of the next LAPIC timer event (null: none armed). */
  | { kind: 'halt'; untilNs: number | null; interruptsMasked: boolean }
  /** The time slice ended. */
  | { kind: 'slice' }
  /** Triple fault: the VM is dead. */
  | { kind: 'shutdown'; reason: string }
  /** The accelerator cannot go on (unemulated instruction on MMIO, VMRUN check failure ...). exitCode names the cause. */
  | { kind: 'internal-error'; reason: string; exitCode: string; bytes?: number[] };

/** A segment register as the CPU caches it. attrib: VMCB packed attributes (type 3:0, S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11). */
export interface SegmentState { selector: number; base: number | bigint; limit: number; attrib: number }
export interface TableState { base: number | bigint; limit: number }
export type GprName = 'rax' | 'rcx' | 'rdx' | 'rbx' | 'rsp' | 'rbp' | 'rsi' | 'rdi' | 'r8' | 'r9' | 'r10' | 'r11' | 'r12' | 'r13' | 'r14' | 'r15';

/** Initial register state (64-bit Linux entry, 32-bit multiboot entry, ...). Missing GPRs are 0. */
export interface BootState {
  gpr?: Partial<Record<GprName, number | bigint>>;
  rip: number | bigint;
  rflags?: number;
  cr0: number;
  cr3?: number | bigint;
  cr4?: number;
  /** As the guest sees it (LME, LMA, NXE, SCE); never SVME. */
  efer?: number;
  cs: SegmentState;
  /** Missing data segments: flat 4 GiB read/write data, selector 0. */
  ds?: SegmentState; es?: SegmentState; ss?: SegmentState; fs?: SegmentState; gs?: SegmentState;
  tr?: SegmentState; ldtr?: SegmentState;
  gdt?: TableState; idt?: TableState;
}

export interface RegsView { gpr: Record<GprName, bigint>; rip: bigint; rflags: number }

/** An interrupt message: an IOAPIC redirection entry as sent, an MSI, or an IPI. */
export interface InterruptMessage {
  vector: number;
  /** Destination APIC ID (physical) or logical mask; 0xFF broadcasts. */
  dest: number;
  logical: boolean;
  /** 0 fixed, 1 lowest priority, 4 NMI. */
  mode: number;
  /** Level-triggered: the guest's EOI is reported through Vm.onLevelEoi. */
  level: boolean;
}

/** The legacy 8259 pair as the CPU's INTR pin sees it (LAPIC LINT0 in ExtINT mode). */
export interface ExternalInterrupts {
  hasExtInt(): boolean;
  /** Interrupt acknowledge: the vector to deliver. */
  ackExtInt(): number;
}

export interface VcpuStats {
  /** Exits by SVM exit-code name (the soft accelerator) or the back end's own reasons. */
  exits: Record<string, number>;
  guestMs: number;
  hypervisorMs: number;
  vmmMs: number;
  ramPagesFaulted: number;
  mmioEmulated: number;
  guestErrors: number;
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
