// One virtual machine as the hypervisor keeps it (the role of a KVM VM fd): its host memory,
// ASID, IOPM (every port intercepted: all I/O goes to the VMM), MSRPM (msr.ts), guest RAM with
// its nested page table (guest-memory.ts), and its vCPUs with their VMCBs and LAPICs. Interrupt
// messages from the VMM's IOAPIC (or MSIs, IPIs) are routed here to the matching LAPICs.
import { IOPM_SIZE } from '../cpu/svm/iopm';
import { MSRPM_SIZE } from '../cpu/svm/msrpm';
import { PAGE_SIZE } from '../cpu/phys-mem';
import { HostMemory, hostBytesFor } from './host-memory';
import { GuestMemory, type RamRegion } from './guest-memory';
import { AsidAllocator } from './asid';
import { initMsrpm } from './msr';
import { HvVcpu, type ExternalInterrupts } from './vcpu-loop';
import type { Lapic } from './lapic';

/** The ASIDs of this host's (software) processors, shared by all VMs of the process. */
export const hostAsids = new AsidAllocator();

export interface HvVmOptions {
  ram: readonly RamRegion[];
  /** Most vCPUs this VM will create (sizes host memory for their VMCBs). Default 1. */
  maxVcpus?: number;
}

/** An interrupt message (IOAPIC redirection entry, MSI or IPI): pc-platform.md 8 and 9. */
export interface InterruptMessage {
  vector: number;
  /** Destination APIC ID (physical) or logical mask; 0xFF broadcasts. */
  dest: number;
  /** Destination mode: false physical, true logical. */
  logical: boolean;
  /** Delivery mode: 0 fixed, 1 lowest priority, 4 NMI (others are counted and ignored). */
  mode: number;
  /** Trigger mode: true level (TMR set, the EOI is reported back), false edge. */
  level: boolean;
}

export class HvVm {
  readonly host: HostMemory;
  readonly ram: GuestMemory;
  readonly asid: number;
  readonly iopm: number;
  readonly msrpm: number;
  readonly vcpus: HvVcpu[] = [];
  /** The VMM's 8259 (LINT0 ExtINT). */
  extInt: ExternalInterrupts | null = null;
  /** Level-triggered EOIs, for the VMM's IOAPIC (clears Remote IRR). */
  onLevelEoi: (vector: number) => void = () => {};
  /** Guest TSC = host TSC + tscOffset: the guest's clock starts near 0 at creation. */
  readonly tscOffset: number;
  private readonly maxVcpus: number;
  private readonly flushFirst: boolean;
  private destroyed = false;
  undeliverable = 0;

  constructor(opts: HvVmOptions) {
    this.maxVcpus = opts.maxVcpus ?? 1;
    if (!Number.isInteger(this.maxVcpus) || this.maxVcpus < 1 || this.maxVcpus > 255) throw new RangeError(`maxVcpus ${opts.maxVcpus} must be 1..255`);
    let ramBytes = 0;
    for (const r of opts.ram) ramBytes += r.size;
    this.host = new HostMemory(hostBytesFor(ramBytes, this.maxVcpus));
    this.ram = new GuestMemory(this.host, opts.ram);
    this.iopm = this.host.allocContiguous(IOPM_SIZE / PAGE_SIZE);
    this.host.mem.fill(this.iopm, IOPM_SIZE, 0xff);
    this.msrpm = this.host.allocContiguous(MSRPM_SIZE / PAGE_SIZE);
    initMsrpm(this.host.mem, this.msrpm);
    const a = hostAsids.alloc();
    this.asid = a.asid;
    this.flushFirst = a.needsFlush;
    this.tscOffset = -Math.floor(performance.now() * 1e6);
  }

  createVcpu(id: number): HvVcpu {
    if (this.destroyed) throw new Error('the VM was destroyed');
    if (!Number.isInteger(id) || id < 0 || id >= this.maxVcpus || this.vcpus.some((v) => v.id === id)) {
      throw new RangeError(`vCPU id ${id} is taken or outside 0..${this.maxVcpus - 1}`);
    }
    const vmcb = this.host.allocPage();
    const self = this;
    const vc = new HvVcpu({
      ram: this.ram, mem: this.host.mem,
      get extInt() { return self.extInt; },
      sendIpi: (from, icrLo, dest) => this.sendIpi(from, icrLo, dest),
      levelEoi: (v) => this.onLevelEoi(v),
    }, id, vmcb, { asid: this.asid, flushFirst: this.flushFirst, iopm: this.iopm, msrpm: this.msrpm, nCr3: this.ram.nptRoot, tscOffset: this.tscOffset });
    this.vcpus.push(vc);
    return vc;
  }

  /** Guest time in ns (the guest TSC at 1 GHz) as vCPU 0 sees it. */
  guestTimeNs(): number {
    return this.vcpus.length > 0 ? this.vcpus[0].guestTimeNs() : Math.floor(performance.now() * 1e6) + this.tscOffset;
  }

  /** Deliver an interrupt message to the matching LAPICs (lowest priority: the first match). */
  deliverInterrupt(msg: InterruptMessage): void {
    if (!(msg.vector >= 0 && msg.vector <= 255) || !Number.isInteger(msg.vector)) throw new RangeError(`bad vector ${msg.vector}`);
    let hit = false;
    for (const vc of this.vcpus) {
      if (!vc.lapic.matches(msg.dest & 0xff, msg.logical)) continue;
      vc.lapic.deliver(msg.mode, msg.vector, msg.level);
      hit = true;
      if (msg.mode === 1) break;
    }
    if (!hit) this.undeliverable++;
  }

  /** ICR write (pc-platform.md 8): shorthand 01 self, 10 all, 11 all but self, 00 by destination. */
  private sendIpi(from: Lapic, icrLo: number, dest: number): void {
    const shorthand = (icrLo >>> 18) & 3, mode = (icrLo >>> 8) & 7, vector = icrLo & 0xff;
    const level = (icrLo & (1 << 15)) !== 0;
    for (const vc of this.vcpus) {
      const l = vc.lapic;
      const to = shorthand === 1 ? l === from : shorthand === 2 ? true : shorthand === 3 ? l !== from : l.matches(dest, (icrLo & (1 << 11)) !== 0);
      if (to) l.deliver(mode, vector, level);
    }
  }

  /** Give the ASID back (the next owner flushes it). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    hostAsids.free(this.asid);
  }
}
