// The PC platform: the devices of pc-platform.md on the PIO/MMIO buses, wired to each other
// and to the accelerator's interrupt inputs. ISA IRQ n goes to 8259 pin n and IOAPIC GSI n
// (IRQ0 -> GSI2, the MADT's interrupt source override); the IOAPIC's messages go to the
// vCPUs' local APICs; the 8259 reaches the CPU as ExtINT.
import type { ByteSink, IrqLine } from '../devices/device';
import type { Vm } from '../accel/accel';
import { Uart16550 } from '../devices/uart16550';
import { I8259Pair } from '../devices/i8259';
import { I8254 } from '../devices/i8254';
import { CmosRtc } from '../devices/cmos-rtc';
import { I8042 } from '../devices/i8042';
import { Port80 } from '../devices/port80';
import { DebugExit } from '../devices/debug-exit';
import { Ioapic } from '../devices/ioapic';
import { PciHost } from '../devices/pci-host';
import { AcpiPm } from '../devices/acpi-pm';
import { ResetControl } from '../devices/reset-control';
import { MmioBus, PioBus } from './bus';

export const COM1_PORT = 0x3f8, COM1_IRQ = 4;
export const IOAPIC_BASE = 0xfec00000;

/** How the guest asked to stop. */
export type PowerEvent = { kind: 'poweroff' } | { kind: 'reset' } | { kind: 'debug-exit'; status: number };

export interface PlatformOptions {
  vm: Vm;
  serialOut: ByteSink;
  memoryBytes: number;
  onPowerEvent(e: PowerEvent): void;
}

export class PcPlatform {
  readonly pio = new PioBus();
  readonly mmio = new MmioBus();
  readonly pic: I8259Pair;
  readonly pit: I8254;
  readonly uart: Uart16550;
  readonly ioapic: Ioapic;
  readonly rtc: CmosRtc;
  readonly kbc: I8042;
  readonly pm: AcpiPm;
  readonly pci: PciHost;

  constructor(opts: PlatformOptions) {
    const { vm } = opts;
    const clock = () => vm.guestTimeNs();
    this.ioapic = new Ioapic({
      deliver: (m) => vm.deliverInterrupt({
        vector: m.vector, dest: m.dest, logical: m.destMode === 'logical', mode: m.deliveryMode, level: m.trigger === 'level',
      }),
    });
    vm.onLevelEoi((vector) => this.ioapic.eoi(vector));
    this.pic = new I8259Pair();
    vm.setExternalInterrupts({ hasExtInt: () => this.pic.intrPending, ackExtInt: () => this.pic.acknowledge() });
    this.pit = new I8254(clock, this.isaIrq(0));
    this.uart = new Uart16550({ irq: this.isaIrq(COM1_IRQ), out: opts.serialOut });
    const below = Math.min(opts.memoryBytes, 0xc0000000);
    this.rtc = new CmosRtc(Date.now, { belowFourGiB: below, aboveFourGiB: opts.memoryBytes - below });
    this.kbc = new I8042({ onReset: () => opts.onPowerEvent({ kind: 'reset' }), irq1: this.isaIrq(1), irq12: this.isaIrq(12) });
    this.pm = new AcpiPm({ clock, powerOff: () => opts.onPowerEvent({ kind: 'poweroff' }), sci: this.isaIrq(9) });
    this.pci = new PciHost({ cf9: new ResetControl({ reset: () => opts.onPowerEvent({ kind: 'reset' }) }) });

    const p = this.pio;
    p.register(0x20, 2, this.pic.master, '8259 master');
    p.register(0xa0, 2, this.pic.slave, '8259 slave');
    p.register(0x4d0, 2, this.pic.elcr, '8259 ELCR');
    p.register(0x40, 4, this.pit, '8254 PIT');
    p.register(0x61, 1, this.pit.portB, 'port B');
    p.register(0x60, 1, this.kbc.data, 'i8042 data');
    p.register(0x64, 1, this.kbc.control, 'i8042 control');
    p.register(0x92, 1, this.kbc.portA, 'port A');
    p.register(0x70, 2, this.rtc, 'CMOS RTC');
    p.register(0x80, 1, new Port80(), 'POST');
    p.register(0xf4, 1, new DebugExit((status) => opts.onPowerEvent({ kind: 'debug-exit', status: status & 0xff })), 'debug-exit');
    p.register(COM1_PORT, 8, this.uart, 'COM1');
    p.register(0xcf8, 8, this.pci, 'PCI host');
    p.register(0x600, 12, this.pm, 'ACPI PM');
    this.mmio.register(IOAPIC_BASE, 0x1000, this.ioapic, 'IOAPIC');
  }

  /** The line of ISA IRQ n: the 8259 pin and the IOAPIC input (IRQ0 is GSI 2). */
  private isaIrq(n: number): IrqLine {
    const gsi = n === 0 ? 2 : n;
    return { set: (level) => { this.pic.setIrq(n, level); this.ioapic.setPin(gsi, level); } };
  }

  /** Let time-driven devices catch up (PIT interrupts); returns the next device deadline in guest ns, or null. */
  pollTimers(): number | null {
    this.pit.poll();
    return this.pit.nextDeadlineNs();
  }
}
