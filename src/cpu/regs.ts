// Architectural names and bit positions (AMD64 APM Vol.1 3.1, Vol.2 3.1).

/** GPR numbers as encoded in ModRM/REX. Each lives at gpr[2n] (low 32) and gpr[2n+1] (high 32). */
export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
export const R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

/** Segment registers in ModRM sreg order. */
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
export const SEG_NAMES = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'] as const;

/** RFLAGS bits. */
export const CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8;
export const IF = 1 << 9, DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14;
export const RF = 1 << 16, VM = 1 << 17, AC = 1 << 18, VIF = 1 << 19, VIP = 1 << 20, ID = 1 << 21;
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
/** Bits software can change with POPF at CPL 0 in protected mode (VM, VIF, VIP excluded). */
export const FLAGS_FIXED1 = 1 << 1;

/** CR0 bits. */
export const CR0_PE = 1 << 0, CR0_MP = 1 << 1, CR0_EM = 1 << 2, CR0_TS = 1 << 3, CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5, CR0_WP = 1 << 16, CR0_AM = 1 << 18, CR0_NW = 1 << 29, CR0_CD = 1 << 30, CR0_PG = 1 << 31;

/** CR4 bits. */
export const CR4_VME = 1 << 0, CR4_PVI = 1 << 1, CR4_TSD = 1 << 2, CR4_DE = 1 << 3, CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5, CR4_MCE = 1 << 6, CR4_PGE = 1 << 7, CR4_PCE = 1 << 8, CR4_OSFXSR = 1 << 9;
export const CR4_OSXMMEXCPT = 1 << 10, CR4_FSGSBASE = 1 << 16, CR4_SMEP = 1 << 20, CR4_SMAP = 1 << 21;

/** EFER bits (MSR C000_0080). */
export const EFER_SCE = 1 << 0, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;
export const EFER_SVME = 1 << 12, EFER_FFXSR = 1 << 14;

/** Exception vectors (APM Vol.2 8.2). */
export const DE = 0, DB = 1, NMI_VEC = 2, BP = 3, OF_VEC = 4, BR = 5, UD = 6, NM = 7, DF_VEC = 8;
export const TS = 10, NP = 11, SS_VEC = 12, GP = 13, PF_VEC = 14, MF = 16, AC_VEC = 17, MC = 18, XF = 19;

/** Page-fault error code bits (APM Vol.2 8.4.2). */
export const PFEC_P = 1, PFEC_W = 2, PFEC_U = 4, PFEC_RSV = 8, PFEC_I = 16;

/** VMCB segment attribute bits (svm.md section 4). */
export const ATTR_TYPE = 0xf, ATTR_S = 1 << 4, ATTR_DPL_SHIFT = 5, ATTR_P = 1 << 7;
export const ATTR_AVL = 1 << 8, ATTR_L = 1 << 9, ATTR_DB = 1 << 10, ATTR_G = 1 << 11;

/** Well-known MSRs. */
export const MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082, MSR_CSTAR = 0xc0000083;
export const MSR_SFMASK = 0xc0000084, MSR_FS_BASE = 0xc0000100, MSR_GS_BASE = 0xc0000101;
export const MSR_KERNEL_GS_BASE = 0xc0000102, MSR_TSC_AUX = 0xc0000103;
export const MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176;
export const MSR_TSC = 0x10, MSR_APIC_BASE = 0x1b, MSR_PAT = 0x277, MSR_VM_HSAVE_PA = 0xc0010117, MSR_VM_CR = 0xc0010114;
