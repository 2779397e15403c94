// PCI host bridge on configuration mechanism #1 (pc-platform.md section 7). The device owns
// the eight ports CF8h-CFFh: CONFIG_ADDRESS at offset 0 (32-bit accesses only) and CONFIG_DATA
// at offsets 4-7 (byte lane = port - CFCh). Port CF9h is the reset control register, which
// overlaps CONFIG_ADDRESS: byte accesses to it go to the `cf9` device given to the constructor
// (as QEMU's PIIX3 RCR region overlaps the host bridge), 32-bit accesses at CF8h are ours.
//
// Function 00:00.0 is the host bridge itself. We present Intel's 82441FX (i440FX PMC, vendor
// 8086h device 1237h, revision 02h, class 060000h), the same identity as QEMU `-machine pc`;
// either the vendor or the class alone satisfies Linux's pci_sanity_check.
import type { AccessSize, BusDevice } from './device';
import { PciConfigSpace, type PciFunction } from './pci-config';

export const PCI_CONFIG_ADDRESS_PORT = 0xcf8;
export const PCI_CONFIG_PORTS = 8;
export const PCI_HOST_BRIDGE_VENDOR = 0x8086;
export const PCI_HOST_BRIDGE_DEVICE = 0x1237;
export const PCI_CLASS_HOST_BRIDGE = 0x06_00_00;

/** CONFIG_ADDRESS fields (section 7). */
const CONFIG_ENABLE = 0x8000_0000;
/** Readable/writable bits: enable, bus, device, function, dword register; 30:24 and 1:0 are 0. */
const CONFIG_ADDRESS_MASK = 0x80ff_fffc;

export const PCI_MAX_DEVFN = 0xff;

/** devfn = device << 3 | function (Linux PCI_DEVFN). */
export function pciDevfn(device: number, fn: number): number {
  return ((device & 0x1f) << 3) | (fn & 7);
}

export class PciSlotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PciSlotError';
  }
}

export interface PciHostOptions {
  /** The device behind port CF9h (reset control) for byte accesses at offset 1. */
  cf9?: BusDevice;
}

export interface PciHostCounters {
  /** Accesses to CONFIG_ADDRESS that were not 32-bit (ignored, reads all ones). */
  badAddressAccesses: number;
  /** CONFIG_DATA accesses to absent functions or buses. */
  absentAccesses: number;
}

export class PciHost implements BusDevice {
  readonly counters: PciHostCounters = { badAddressAccesses: 0, absentAccesses: 0 };
  /** Our own function 00:00.0. */
  readonly hostBridge: PciConfigSpace;
  private readonly functions: (PciFunction | undefined)[] = new Array(PCI_MAX_DEVFN + 1).fill(undefined);
  private readonly cf9: BusDevice | undefined;
  private configAddress = 0;

  constructor(opts: PciHostOptions = {}) {
    this.cf9 = opts.cf9;
    this.hostBridge = new PciConfigSpace({
      vendorId: PCI_HOST_BRIDGE_VENDOR,
      deviceId: PCI_HOST_BRIDGE_DEVICE,
      revision: 0x02,
      classCode: PCI_CLASS_HOST_BRIDGE,
    });
    this.functions[0] = this.hostBridge;
  }

  /** Plugs a function into bus 0 at `devfn` (see pciDevfn). Function 0 of a device must declare
   *  itself multi-function (header type bit 7) for Linux to scan functions 1-7. */
  attach(devfn: number, fn: PciFunction): void {
    if (!Number.isInteger(devfn) || devfn < 0 || devfn > PCI_MAX_DEVFN) throw new PciSlotError(`devfn ${devfn} is out of range 0-255`);
    if (this.functions[devfn]) {
      throw new PciSlotError(`PCI slot 00:${(devfn >> 3).toString(16).padStart(2, '0')}.${devfn & 7} is already occupied`);
    }
    this.functions[devfn] = fn;
  }

  functionAt(devfn: number): PciFunction | undefined {
    return this.functions[devfn];
  }

  /** Snapshot of the latched CONFIG_ADDRESS (the functions snapshot themselves). */
  get address(): number { return this.configAddress; }
  set address(v: number) { this.configAddress = (v & CONFIG_ADDRESS_MASK) >>> 0; }

  read(offset: number, size: AccessSize): number {
    if (offset < 4) {
      if (offset === 1 && size === 1 && this.cf9) return this.cf9.read(0, 1);
      if (offset === 0 && size === 4) return this.configAddress;
      this.counters.badAddressAccesses++;
      return ones(size);
    }
    const fn = this.target();
    const lane = offset - 4;
    const width = Math.min(size, 4 - lane) as 1 | 2 | 4;
    if (!fn || width === 3 as number) return ones(size);
    return fn.configRead((this.configAddress & 0xfc) + lane, width);
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset < 4) {
      if (offset === 1 && size === 1 && this.cf9) { this.cf9.write(0, 1, value); return; }
      if (offset === 0 && size >= 4) { this.configAddress = (value & CONFIG_ADDRESS_MASK) >>> 0; return; }
      this.counters.badAddressAccesses++;
      return;
    }
    const fn = this.target();
    const lane = offset - 4;
    const width = Math.min(size, 4 - lane) as 1 | 2 | 4;
    if (!fn || width === 3 as number) return;
    fn.configWrite((this.configAddress & 0xfc) + lane, width, value);
  }

  /** The function CONFIG_ADDRESS selects, or undefined (disabled, another bus, absent). */
  private target(): PciFunction | undefined {
    const a = this.configAddress;
    const bus = (a >>> 16) & 0xff;
    const fn = a & CONFIG_ENABLE && bus === 0 ? this.functions[(a >>> 8) & 0xff] : undefined;
    if (!fn) this.counters.absentAccesses++;
    return fn;
  }
}

function ones(size: AccessSize): number {
  return size >= 4 ? 0xffff_ffff : (1 << (size * 8)) - 1;
}
