// boot/: what a user boots (ARCHITECTURE.md). The VMM normally needs only planBoot.
export * from './errors';
export * from './plan';
export * from './e820';
export * from './bzimage';
export * from './linux';
export * from './acpi';
export * from './multiboot';
export * from './boot';
export { MULTIBOOT_BOOTLOADER_MAGIC, findMultibootHeader } from './multiboot-header';
export {
  BOOT_GDT_GPA, ZERO_PAGE_GPA, PML4_GPA, CMDLINE_GPA, KERNEL_LOAD_GPA, SEL_CODE32, SEL_CODE64, SEL_DATA, SEL_TSS,
} from './cpu-state';
