// One call for the VMM: detect the kernel type, build the memory map and ACPI tables, and
// produce the load plan. The VMM backs `memory.ram` with guest RAM, copies `regions`
// (zero-filling the 'zero' ones) and loads `cpu` into the boot vCPU.
import { AcpiTables, buildAcpiTables } from './acpi';
import { looksLikeBzImage } from './bzimage';
import { E820_ACPI, E820_RAM, E820_RESERVED, GuestMemoryLayout, buildMemoryMap } from './e820';
import { KernelFormatError, ModuleError } from './errors';
import { LinuxBootPlan, planLinuxBoot } from './linux';
import { MultibootModule, MultibootPlan, planMultibootBoot } from './multiboot';
import { findMultibootHeader } from './multiboot-header';
import { InitialCpuState, LoadRegion, checkRegions } from './plan';

export interface BootConfig {
  kernel: Uint8Array;
  /** For error messages; default "kernel". */
  kernelPath?: string;
  /** Linux: the initrd. Multiboot: loaded as module 0 (as QEMU's -initrd does). */
  initrd?: Uint8Array;
  initrdPath?: string;
  cmdline?: string;
  memoryBytes: number;
  /** vCPUs described in the MADT; default 1. */
  cpus?: number;
  /** Multiboot modules (after the initrd if both are given). */
  modules?: MultibootModule[];
  /** Build ACPI tables (default true); false leaves the RSDP out. */
  acpi?: boolean;
}

export interface MachineBootPlan {
  kernelPlan: LinuxBootPlan | MultibootPlan;
  memory: GuestMemoryLayout;
  acpi: AcpiTables | undefined;
  /** Every byte range to write, ACPI included: sorted, disjoint, inside memory.ram. */
  regions: LoadRegion[];
  cpu: InitialCpuState;
}

export type KernelKind = 'bzimage' | 'multiboot';

/** Which loader applies; throws KernelFormatError (or a multiboot header error) otherwise. */
export function detectKernel(kernel: Uint8Array, subject = 'kernel'): KernelKind {
  if (kernel.length === 0) throw new KernelFormatError(subject, 'the file is empty');
  if (looksLikeBzImage(kernel)) return 'bzimage';
  if (findMultibootHeader(kernel, subject) !== undefined) return 'multiboot';
  throw new KernelFormatError(subject,
    'not a kernel tsvisor can boot: no bzImage setup header (0xAA55 at 0x1FE and "HdrS" at 0x202) ' +
    'and no multiboot header (0x1BADB002) in the first 8192 bytes');
}

export function planBoot(c: BootConfig): MachineBootPlan {
  const subject = c.kernelPath ?? 'kernel';
  const kind = detectKernel(c.kernel, subject);
  const memory = buildMemoryMap(c.memoryBytes);
  const acpi = c.acpi === false ? undefined : buildAcpiTables({ cpus: c.cpus ?? 1, region: memory.acpi });
  const common = { kernel: c.kernel, kernelPath: c.kernelPath, cmdline: c.cmdline ?? '', memoryBytes: c.memoryBytes, e820: memory.e820 };
  let kernelPlan: LinuxBootPlan | MultibootPlan;
  if (kind === 'bzimage') {
    if ((c.modules ?? []).length > 0) {
      throw new ModuleError(subject, 'modules are for multiboot kernels; a Linux kernel takes one initrd');
    }
    kernelPlan = planLinuxBoot({ ...common, initrd: c.initrd, initrdPath: c.initrdPath, acpiRsdp: acpi?.rsdpGpa });
  } else {
    const initrdModule = c.initrd !== undefined ? [{ bytes: c.initrd, cmdline: c.initrdPath ?? 'initrd' }] : [];
    kernelPlan = planMultibootBoot({ ...common, modules: [...initrdModule, ...(c.modules ?? [])] });
  }
  const regions = checkRegions([...kernelPlan.regions, ...(acpi?.regions ?? [])], memory.e820,
    [E820_RAM, E820_ACPI, E820_RESERVED], subject);
  return { kernelPlan, memory, acpi, regions, cpu: kernelPlan.cpu };
}
