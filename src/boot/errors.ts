// Typed boot errors: one class per cause, and the message is the documentation
// (STYLE.md "typed errors whose message is the documentation"). Every message starts with
// the file (or input) it is about, then says what is wrong and, where possible, what to do.
// planBoot / planLinuxBoot / planMultibootBoot / buildAcpiTables / buildMemoryMap throw only
// subclasses of BootError, whatever bytes they are given.

export abstract class BootError extends Error {
  /** The file or input the error is about ("kernel", "/boot/vmlinuz-...", "initrd", "memory"). */
  readonly subject: string;
  constructor(subject: string, what: string) {
    super(`${subject}: ${what}`);
    this.subject = subject;
    this.name = new.target.name;
  }
}

/** Not a kernel we know: no bzImage setup header and no multiboot header, bad ELF magic. */
export class KernelFormatError extends BootError {}

/** The file ends before data its own header says is there (setup sectors, syssize, ELF segments). */
export class KernelTruncatedError extends BootError {}

/** A header field is self-contradictory or out of range (bad jump, a.out addresses out of order). */
export class KernelHeaderError extends BootError {}

/** A valid kernel that needs something tsvisor does not offer (old boot protocol, no 64-bit entry). */
export class KernelUnsupportedError extends BootError {}

/** The kernel command line is too long for the kernel's cmdline_size or contains a NUL byte. */
export class CommandLineError extends BootError {}

/** Guest RAM cannot hold what must be loaded (kernel + init_size, initrd, modules). */
export class InsufficientMemoryError extends BootError {}

/** The initrd cannot be placed below initrd_addr_max in RAM without overlapping the kernel. */
export class InitrdPlacementError extends BootError {}

/** A multiboot module is unusable (too many, or placed outside RAM). */
export class ModuleError extends BootError {}

/** The requested guest memory size is impossible (not an integer, too small, too large). */
export class MemorySizeError extends BootError {}

/** ACPI table parameters out of range (vCPU count, region too small for the tables). */
export class AcpiConfigError extends BootError {}

/** Two planned load regions overlap or a region lies outside guest RAM: a tsvisor bug or bad layout. */
export class LayoutError extends BootError {}

/** Hex for messages: 0x1FE. */
export function hex(n: number | bigint): string {
  return `0x${n.toString(16).toUpperCase()}`;
}
