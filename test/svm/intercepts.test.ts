// Instruction, CR/DR and exception intercepts (svm.md 3, 5, 6; APM Vol.2 15.8-15.13).
// Each case: a guest snippet, the intercept set, the exact EXITCODE/EXITINFO/RIP/nRIP.
import { runCases, Case } from './intercept-case';
import { CpuidModel } from '../../src/cpu/cpuid';
import { RAX, RBX, RCX, RDX, RSI, RDI, R8, R9, R10, R11 } from '../../src/cpu/regs';

const MOVCR = 1n << 63n; // svm.md 6: EXITINFO1 bit 63 = MOV CRn, bits 3:0 = GPR (DecodeAssists)
const CR0 = 0x80010031n; // Guest64's CR0
const B = (bits: number[]) => bits; // readability
const HAS_MONITOR = new CpuidModel().has(1, 2, 3); // CPUID 1 ECX bit 3

// --- CR reads / writes (exit n / 10h+n).
const crCases: Case[] = [
  { name: 'MOV RAX, CR0', insn: 'mov rax, cr0', on: B([0x00]), exit: 0x00, info1: MOVCR | 0n },
  { name: 'SMSW EAX (CR0 read, not MOV CR)', insn: 'smsw eax', on: [0x00], exit: 0x00, info1: 0n },
  { name: 'MOV R11, CR2', insn: 'mov r11, cr2', on: [0x02], exit: 0x02, info1: MOVCR | 11n },
  { name: 'MOV RCX, CR3', insn: 'mov rcx, cr3', on: [0x03], exit: 0x03, info1: MOVCR | 1n },
  { name: 'MOV RDX, CR4', insn: 'mov rdx, cr4', on: [0x04], exit: 0x04, info1: MOVCR | 2n },
  { name: 'MOV R8, CR8', insn: 'mov r8, cr8', on: [0x08], exit: 0x08, info1: MOVCR | 8n },
  { name: 'MOV CR0, RBX', insn: 'mov cr0, rbx', regs: { [RBX]: CR0 }, on: [0x10], exit: 0x10, info1: MOVCR | 3n },
  { name: 'LMSW AX (CR0 write, not MOV CR)', insn: 'lmsw ax', regs: { [RAX]: 0x31n }, on: [0x10], exit: 0x10, info1: 0n },
  { name: 'CLTS (CR0 write)', insn: 'clts', on: [0x10], exit: 0x10, info1: 0n },
  { name: 'MOV CR2, RSI', insn: 'mov cr2, rsi', regs: { [RSI]: 0x1234n }, on: [0x12], exit: 0x12, info1: MOVCR | 6n },
  { name: 'MOV CR3, RDI', insn: 'mov cr3, rdi', regs: { [RDI]: 0x1000n }, on: [0x13], exit: 0x13, info1: MOVCR | 7n },
  { name: 'MOV CR4, R9', insn: 'mov cr4, r9', regs: { [R9]: 0x620n }, on: [0x14], exit: 0x14, info1: MOVCR | 9n },
  { name: 'MOV CR8, R10', insn: 'mov cr8, r10', regs: { [R10]: 1n }, on: [0x18], exit: 0x18, info1: MOVCR | 10n },
  // Selective CR0 write (65h): only changes of bits other than TS/MP (APM 15.9.2).
  { name: 'MOV CR0 setting CD (selective)', insn: 'mov cr0, rbx', regs: { [RBX]: CR0 | (1n << 30n) }, on: [0x65], exit: 0x65, info1: MOVCR | 3n },
  { name: 'LMSW setting EM (selective)', insn: 'lmsw ax', regs: { [RAX]: 0x35n }, on: [0x65], exit: 0x65, info1: 0n },
  { name: 'CR0 write intercept beats selective', insn: 'mov cr0, rbx', regs: { [RBX]: CR0 | (1n << 30n) }, on: [0x10, 0x65], exit: 0x10, info1: MOVCR | 3n },
  { name: 'MOV CR0 changing only TS: no selective exit', insn: 'mov cr0, rbx', regs: { [RBX]: CR0 | 8n }, on: [0x65], exit: 0x81, nrip: 'skip', rip: 'next' },
  { name: 'MOV CR0 with CR0 intercepts clear: no exit', insn: 'mov cr0, rbx', regs: { [RBX]: CR0 | 8n }, exit: 0x81, nrip: 'skip', rip: 'next' },
];

// --- DR reads / writes (20h+n / 30h+n), EXITINFO1 bits 3:0 = GPR.
const drCases: Case[] = [
  { name: 'MOV RAX, DR0', insn: 'mov rax, dr0', on: [0x20], exit: 0x20, info1: 0n },
  { name: 'MOV R12, DR7', insn: 'mov r12, dr7', on: [0x27], exit: 0x27, info1: 12n },
  { name: 'MOV RBX, DR6', insn: 'mov rbx, dr6', on: [0x26], exit: 0x26, info1: 3n },
  { name: 'MOV RSI, DR1', insn: 'mov rsi, dr1', on: [0x21], exit: 0x21, info1: 6n },
  { name: 'MOV DR2, R8', insn: 'mov dr2, r8', on: [0x32], exit: 0x32, info1: 8n },
  { name: 'MOV DR3, RCX', insn: 'mov dr3, rcx', on: [0x33], exit: 0x33, info1: 1n },
  { name: 'MOV DR7, RDX', insn: 'mov dr7, rdx', regs: { [RDX]: 0x400n }, on: [0x37], exit: 0x37, info1: 2n },
];

// --- Exceptions (40h+vector): EXITINFO1 = error code, EXITINFO2 = #PF address. Guest64 intercepts all.
const excCases: Case[] = [
  { name: '#UD from UD2', insn: 'ud2', exit: 0x46, nrip: 'skip' },
  { name: '#DE from DIV by 0', pre: 'xor ecx, ecx', insn: 'div ecx', exit: 0x40, nrip: 'skip' },
  { name: '#BP from INT3 (nRIP = next)', insn: 'int3', exit: 0x43 },
  { name: '#PF read of an unmapped page', insn: 'mov eax, [0x40000000]', exit: 0x4e, info1: 0n, info2: 0x40000000n, nrip: 'skip' },
  { name: '#PF write of an unmapped page', insn: 'mov dword [0x40001008], 1', exit: 0x4e, info1: 2n, info2: 0x40001008n, nrip: 'skip' },
  { name: '#GP(0) from a non-canonical address', insn: 'mov eax, [rbx]', regs: { [RBX]: 0x8000000000000000n }, exit: 0x4d, info1: 0n, nrip: 'skip' },
  { name: '#GP(sel) from LLDT of a bad selector', insn: 'lldt ax', regs: { [RAX]: 0x28n }, exit: 0x4d, info1: 0x28n, nrip: 'skip' },
];

// --- Interrupts: INTR when the time slice ends, VINTR when a V_IRQ could be taken.
const intrCases: Case[] = [
  { name: 'INTR: budget expires in a loop', insn: 'jmp $', exit: 0x60, budget: 1000, nrip: 'skip' },
  { name: 'VINTR: V_IRQ pending with IF=1', insn: 'nop', on: [0x64], exit: 0x64, nrip: 'skip',
    prep: (v) => { v.w64(0x60, (1n << 24n) | (1n << 8n) | (2n << 16n) | (0x30n << 32n)); v.w64(0x570, 0x202n); } },
];

// --- Words 3 and 4: instruction intercepts (60h-7Fh, 80h-8Fh).
const D = '[0x10000000]';
const insnCases: Case[] = [
  { name: 'SIDT', insn: `sidt ${D}`, on: [0x66], exit: 0x66 },
  { name: 'SGDT', insn: `sgdt ${D}`, on: [0x67], exit: 0x67 },
  { name: 'SLDT', insn: 'sldt ax', on: [0x68], exit: 0x68 },
  { name: 'STR', insn: 'str ax', on: [0x69], exit: 0x69 },
  { name: 'LIDT', insn: `lidt ${D}`, on: [0x6a], exit: 0x6a },
  { name: 'LGDT', insn: `lgdt ${D}`, on: [0x6b], exit: 0x6b },
  { name: 'LLDT', insn: 'lldt ax', on: [0x6c], exit: 0x6c },
  // Intercepts come before operand-value exceptions (APM 15.9): a null LTR selector still exits.
  { name: 'LTR', insn: 'ltr ax', on: [0x6d], exit: 0x6d },
  { name: 'RDTSC', insn: 'rdtsc', on: [0x6e], exit: 0x6e },
  { name: 'RDPMC', pre: 'xor ecx, ecx', insn: 'rdpmc', on: [0x6f], exit: 0x6f },
  { name: 'PUSHF', insn: 'pushfq', on: [0x70], exit: 0x70 },
  { name: 'POPF', pre: 'push 2', insn: 'popfq', on: [0x71], exit: 0x71 },
  { name: 'CPUID', insn: 'cpuid', regs: { [RAX]: 0n }, on: [0x72], exit: 0x72 },
  { name: 'RSM', insn: 'rsm', on: [0x73], exit: 0x73 },
  { name: 'IRETQ', insn: 'iretq', on: [0x74], exit: 0x74 },
  { name: 'INT 30h (EXITINFO1 = vector)', insn: 'int 0x30', on: [0x75], exit: 0x75, info1: 0x30n },
  { name: 'INVD', insn: 'invd', on: [0x76], exit: 0x76 },
  { name: 'PAUSE', insn: 'pause', on: [0x77], exit: 0x77 },
  { name: 'HLT', insn: 'hlt', exit: 0x78 },
  { name: 'INVLPG [abs] (EXITINFO1 = address)', insn: `invlpg ${D}`, on: [0x79], exit: 0x79, info1: 0x10000000n },
  { name: 'INVLPG [rbx+8]', insn: 'invlpg [rbx+8]', regs: { [RBX]: 0x10000040n }, on: [0x79], exit: 0x79, info1: 0x10000048n },
  { name: 'INVLPGA (EXITINFO1 = rAX)', insn: 'invlpga rax, ecx', regs: { [RAX]: 0x12345000n, [RCX]: 1n }, on: [0x7a], exit: 0x7a, info1: 0x12345000n,
    todo: 'BUG src/cpu/system/group7.ts:34,42 svmPrivileged: INVLPGA exits with EXITINFO1 = 0; decode assists give rAX (svm.md 6, APM 15.33)' },
  { name: 'VMRUN', insn: 'vmrun', regs: { [RAX]: 0x10000000n }, exit: 0x80 },
  { name: 'VMMCALL', insn: 'vmmcall', exit: 0x81 },
  { name: 'VMLOAD', insn: 'vmload', regs: { [RAX]: 0x10000000n }, exit: 0x82 },
  { name: 'VMSAVE', insn: 'vmsave', regs: { [RAX]: 0x10000000n }, exit: 0x83 },
  { name: 'STGI', insn: 'stgi', exit: 0x84 },
  { name: 'CLGI', insn: 'clgi', exit: 0x85 },
  { name: 'SKINIT', insn: 'skinit', regs: { [RAX]: 0x10000000n }, on: [0x86], exit: 0x86 },
  { name: 'RDTSCP', insn: 'rdtscp', on: [0x87], exit: 0x87 },
  { name: 'ICEBP (INT1, F1)', insn: 'db 0xf1', on: [0x88], exit: 0x88 },
  { name: 'WBINVD', insn: 'wbinvd', on: [0x89], exit: 0x89 },
  // Intercepts are checked after simple #UD checks (APM 15.9): without CPUID MONITOR the opcode is #UD.
  { name: `MONITOR (CPUID MONITOR = ${+HAS_MONITOR})`, insn: 'monitor', regs: { [RAX]: 0x10000000n, [RCX]: 0n, [RDX]: 0n }, on: [0x8a],
    exit: HAS_MONITOR ? 0x8a : 0x46, nrip: HAS_MONITOR ? 'next' : 'skip' },
  { name: `MWAIT (CPUID MONITOR = ${+HAS_MONITOR})`, insn: 'mwait', regs: { [RAX]: 0n, [RCX]: 0n }, on: [0x8b],
    exit: HAS_MONITOR ? 0x8b : 0x46, nrip: HAS_MONITOR ? 'next' : 'skip' },
  // CR4.OSXSAVE cannot be set in this model (CR4_SUPPORTED), and #UD outranks the intercept (APM 15.9).
  { name: 'XSETBV without CR4.OSXSAVE: #UD before the intercept', insn: 'xsetbv', regs: { [RCX]: 0n, [RAX]: 1n }, on: [0x8d], exit: 0x46, nrip: 'skip' },
];

// --- Intercept bit clear: the instruction runs and the guest reaches the appended VMMCALL.
const clearCases: Case[] = [
  { name: 'CPUID not intercepted', insn: 'cpuid', regs: { [RAX]: 0n }, exit: 0x81, rip: 'next', nrip: 'skip' },
  { name: 'PUSHF/POPF not intercepted', insn: 'pushfq\npopfq', exit: 0x81, rip: 'next', nrip: 'skip' },
  { name: 'RDTSC not intercepted', insn: 'rdtsc', exit: 0x81, rip: 'next', nrip: 'skip' },
  { name: 'PAUSE not intercepted', insn: 'pause', exit: 0x81, rip: 'next', nrip: 'skip' },
  { name: 'INVLPG not intercepted', insn: `invlpg ${D}`, exit: 0x81, rip: 'next', nrip: 'skip' },
  { name: 'SIDT not intercepted', insn: `sidt ${D}`, exit: 0x81, rip: 'next', nrip: 'skip' },
  { name: 'MOV RAX, CR3 not intercepted', insn: 'mov rax, cr3', exit: 0x81, rip: 'next', nrip: 'skip' },
  { name: 'VMMCALL not intercepted: #UD', insn: 'vmmcall', off: [0x81], exit: 0x46, nrip: 'skip' },
  { name: 'HLT not intercepted: halts until the slice ends (INTR after HLT)', insn: 'hlt', off: [0x78], exit: 0x60, rip: 'next', nrip: 'skip', budget: 1000 },
  { name: 'INT3 with #BP not intercepted and no IDT: shutdown', insn: 'int3', prep: (v) => v.w32(0x08, 0), exit: 0x7f, nrip: 'skip' },
  // Triple fault: #UD -> #GP (IDT limit 0) -> #DF -> shutdown (APM 8.2.9).
  { name: 'triple fault (UD2, no IDT, exceptions not intercepted)', insn: 'ud2', prep: (v) => v.w32(0x08, 0), exit: 0x7f, nrip: 'skip' },
];

runCases('CR', crCases);
runCases('DR', drCases);
runCases('exception', excCases);
runCases('interrupt', intrCases);
runCases('instruction', insnCases);
runCases('not intercepted', clearCases);
void R8; void R11;
