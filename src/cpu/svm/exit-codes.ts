// #VMEXIT codes written to EXITCODE (VMCB 070h). svm.md 5 / APM Vol.2 App. C.
// Names are the APM's without the VMEXIT_ prefix. For intercepts in the
// 192-bit vector at VMCB 000h-017h the exit code equals the intercept bit
// number (svm.md 3), see intercepts.ts.

type Hex = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15;
type RangeName = `CR${Hex}_READ` | `CR${Hex}_WRITE` | `DR${Hex}_READ` | `DR${Hex}_WRITE` | `CR${Hex}_WRITE_TRAP`;

// Ranges of 16: name pattern -> first code.
const RANGES: ReadonlyArray<readonly [prefix: string, suffix: string, base: number]> = [
  ['CR', '_READ', 0x00],
  ['CR', '_WRITE', 0x10],
  ['DR', '_READ', 0x20],
  ['DR', '_WRITE', 0x30],
  ['CR', '_WRITE_TRAP', 0x90],
];

// Exception exits 40h + vector (svm.md 5); unnamed vectors are EXCP_<decimal vector>.
const EXCEPTIONS = {
  EXCP_DE: 0x40, EXCP_DB: 0x41, EXCP_NMI: 0x42, EXCP_BP: 0x43, EXCP_OF: 0x44, EXCP_BR: 0x45,
  EXCP_UD: 0x46, EXCP_NM: 0x47, EXCP_DF: 0x48, EXCP_TS: 0x4a, EXCP_NP: 0x4b, EXCP_SS: 0x4c,
  EXCP_GP: 0x4d, EXCP_PF: 0x4e, EXCP_MF: 0x50, EXCP_AC: 0x51, EXCP_MC: 0x52, EXCP_XF: 0x53,
  EXCP_CP: 0x55,
} as const;

const NAMED = {
  EXCP_BASE: 0x40,
  ...EXCEPTIONS,
  // Intercept word 3 (svm.md 3.1)
  INTR: 0x60, NMI: 0x61, SMI: 0x62, INIT: 0x63, VINTR: 0x64, CR0_SEL_WRITE: 0x65,
  IDTR_READ: 0x66, GDTR_READ: 0x67, LDTR_READ: 0x68, TR_READ: 0x69,
  IDTR_WRITE: 0x6a, GDTR_WRITE: 0x6b, LDTR_WRITE: 0x6c, TR_WRITE: 0x6d,
  RDTSC: 0x6e, RDPMC: 0x6f, PUSHF: 0x70, POPF: 0x71, CPUID: 0x72, RSM: 0x73, IRET: 0x74,
  SWINT: 0x75, INVD: 0x76, PAUSE: 0x77, HLT: 0x78, INVLPG: 0x79, INVLPGA: 0x7a,
  IOIO: 0x7b, MSR: 0x7c, TASK_SWITCH: 0x7d, FERR_FREEZE: 0x7e, SHUTDOWN: 0x7f,
  // Intercept word 4 (svm.md 3.2)
  VMRUN: 0x80, VMMCALL: 0x81, VMLOAD: 0x82, VMSAVE: 0x83, STGI: 0x84, CLGI: 0x85,
  SKINIT: 0x86, RDTSCP: 0x87, ICEBP: 0x88, WBINVD: 0x89, MONITOR: 0x8a, MWAIT: 0x8b,
  MWAIT_COND: 0x8c, XSETBV: 0x8d, RDPRU: 0x8e, EFER_WRITE_TRAP: 0x8f,
  // Intercept word 5 (svm.md 3.3)
  INVLPGB: 0xa0, INVLPGB_ILLEGAL: 0xa1, INVPCID: 0xa2, MCOMMIT: 0xa3, TLBSYNC: 0xa4,
  BUS_LOCK: 0xa5, IDLE_HLT: 0xa6,
  // Not intercept-vector exits
  NPF: 0x400, AVIC_INCOMPLETE_IPI: 0x401, AVIC_UNACCELERATED_ACCESS: 0x402, VMGEXIT: 0x403,
  INVALID: -1, // VMRUN consistency failure (svm.md 9.2); EXITCODE is all ones
} as const;

export type SvmExitName = RangeName | keyof typeof NAMED;

function build(): Readonly<Record<SvmExitName, number>> {
  const entries: [string, number][] = [];
  for (const [p, s, base] of RANGES) for (let n = 0; n < 16; n++) entries.push([`${p}${n}${s}`, base + n]);
  entries.push(...Object.entries(NAMED));
  // fromEntries keeps V8 fast properties for this 160-key object (hot-path constants).
  return Object.freeze(Object.fromEntries(entries) as Record<SvmExitName, number>);
}

/** Every #VMEXIT code by name (svm.md 5). INVALID is -1 (EXITCODE low dword as int32). */
export const SvmExit = build();

const NAME_OF: ReadonlyMap<number, string> = (() => {
  const m = new Map<number, string>();
  for (let v = 0; v < 32; v++) m.set(0x40 + v, `EXCP_${v}`);
  for (const [name, code] of Object.entries(SvmExit)) if (name !== 'EXCP_BASE') m.set(code, name);
  return m;
})();

/**
 * Name of an exit code: "CR3_WRITE", "EXCP_PF", "EXCP_9" (unnamed vectors in
 * decimal), "NPF", "INVALID"... Accepts -1 or 0xFFFFFFFF for INVALID; unknown
 * codes give "UNKNOWN_0x<hex>".
 */
export function exitCodeName(code: number): string {
  const c = code === 0xffffffff ? -1 : code;
  return NAME_OF.get(c) ?? `UNKNOWN_0x${(c >>> 0).toString(16)}`;
}
