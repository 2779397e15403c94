// IOIO (7Bh) and MSR (7Ch) intercepts through the IOPM and MSRPM (svm.md 6.1, 8;
// APM Vol.2 15.10-15.11). IOIO: EXITINFO1 per svm.md 6.1, EXITINFO2 = next RIP.
import { runCases, Case } from './intercept-case';
import { Vm, IOPM_HPA, MSRPM_HPA } from './vm';
import { RAX, RCX, RDX, RSI, RDI } from '../../src/cpu/regs';

// svm.md 6.1 bits.
const IN = 1, STR = 4, REP = 8, SZ8 = 0x10, SZ16 = 0x20, SZ32 = 0x40, A32 = 0x100, A64 = 0x200;
const SEG = (s: number) => s << 10;
const io = (port: number, bits: number) => BigInt(((port << 16) | bits) >>> 0);
const DX = (port: number) => ({ [RDX]: BigInt(port) });
const STRREGS = { [RDX]: 0x3f8n, [RDI]: 0x10000000n, [RSI]: 0x10000100n, [RCX]: 4n };

function iopmOnly(...ports: number[]): (v: Vm) => void {
  return (v) => {
    v.mem.fill(IOPM_HPA, 0x3000, 0);
    for (const p of ports) v.mem.write8(IOPM_HPA + (p >> 3), v.mem.read8(IOPM_HPA + (p >> 3)) | (1 << (p & 7)));
  };
}

const ioCases: Case[] = [
  { name: 'IN AL, 60h', insn: 'in al, 0x60', exit: 0x7b, info1: io(0x60, IN | SZ8 | A64), info2: 'next' },
  { name: 'IN AX, 61h', insn: 'in ax, 0x61', exit: 0x7b, info1: io(0x61, IN | SZ16 | A64), info2: 'next' },
  { name: 'IN EAX, 62h', insn: 'in eax, 0x62', exit: 0x7b, info1: io(0x62, IN | SZ32 | A64), info2: 'next' },
  { name: 'OUT 80h, AL', insn: 'out 0x80, al', exit: 0x7b, info1: io(0x80, SZ8 | A64), info2: 'next' },
  { name: 'OUT 81h, AX', insn: 'out 0x81, ax', exit: 0x7b, info1: io(0x81, SZ16 | A64), info2: 'next' },
  { name: 'OUT 82h, EAX', insn: 'out 0x82, eax', exit: 0x7b, info1: io(0x82, SZ32 | A64), info2: 'next' },
  { name: 'IN AL, DX', insn: 'in al, dx', regs: DX(0x3f8), exit: 0x7b, info1: io(0x3f8, IN | SZ8 | A64), info2: 'next' },
  { name: 'IN AX, DX', insn: 'in ax, dx', regs: DX(0xcfc), exit: 0x7b, info1: io(0xcfc, IN | SZ16 | A64), info2: 'next' },
  { name: 'OUT DX, EAX', insn: 'out dx, eax', regs: DX(0xcf8), exit: 0x7b, info1: io(0xcf8, SZ32 | A64), info2: 'next' },
  { name: 'OUT DX, AL (port FFFFh)', insn: 'out dx, al', regs: DX(0xffff), exit: 0x7b, info1: io(0xffff, SZ8 | A64), info2: 'next' },
  // String forms: STR, REP, address size, segment of the source (ES = 0 for INS).
  { name: 'REP INSB', insn: 'rep insb', regs: STRREGS, exit: 0x7b, info1: io(0x3f8, IN | STR | REP | SZ8 | A64), info2: 'next' },
  { name: 'INSD', insn: 'insd', regs: STRREGS, exit: 0x7b, info1: io(0x3f8, IN | STR | SZ32 | A64), info2: 'next' },
  { name: 'REP OUTSW (DS)', insn: 'rep outsw', regs: STRREGS, exit: 0x7b, info1: io(0x3f8, STR | REP | SZ16 | A64 | SEG(3)), info2: 'next' },
  { name: 'OUTSD (DS)', insn: 'outsd', regs: STRREGS, exit: 0x7b, info1: io(0x3f8, STR | SZ32 | A64 | SEG(3)), info2: 'next' },
  { name: 'FS OUTSB', insn: 'fs outsb', regs: STRREGS, exit: 0x7b, info1: io(0x3f8, STR | SZ8 | A64 | SEG(4)), info2: 'next' },
  { name: 'A32 REP INSB', insn: 'a32 rep insb', regs: STRREGS, exit: 0x7b, info1: io(0x3f8, IN | STR | REP | SZ8 | A32), info2: 'next' },
  // IOPM: the bits of every byte accessed are ORed (svm.md 6.1), across IOPM bytes and past port FFFFh.
  { name: 'IN EAX, DX at 3FEh with only port 400h intercepted (crosses an IOPM byte)', insn: 'in eax, dx', regs: DX(0x3fe),
    prep: iopmOnly(0x400), exit: 0x7b, info1: io(0x3fe, IN | SZ32 | A64), info2: 'next' },
  { name: 'IN AX, DX at 3FFh with only port 400h intercepted', insn: 'in ax, dx', regs: DX(0x3ff),
    prep: iopmOnly(0x400), exit: 0x7b, info1: io(0x3ff, IN | SZ16 | A64), info2: 'next' },
  { name: 'IN EAX, DX at FFFEh with only bit 10000h set (third IOPM page)', insn: 'in eax, dx', regs: DX(0xfffe),
    prep: iopmOnly(0x10000), exit: 0x7b, info1: io(0xfffe, IN | SZ32 | A64), info2: 'next' },
  { name: 'IN EAX, DX at 3FCh with only port 400h intercepted: no exit', insn: 'in eax, dx', regs: DX(0x3fc),
    prep: iopmOnly(0x400), exit: 0x81, rip: 'next', nrip: 'skip' },
  { name: 'OUT 80h, AL with IOIO_PROT clear: no exit', insn: 'out 0x80, al', off: [0x7b], exit: 0x81, rip: 'next', nrip: 'skip' },
];

// MSRPM: two bits per MSR (read, write) in three ranges; other MSRs always exit.
function msrpm(bits: [number, 'r' | 'w'][]): (v: Vm) => void {
  return (v) => {
    v.mem.fill(MSRPM_HPA, 0x2000, 0);
    for (const [msr, rw] of bits) {
      const base = msr < 0x2000 ? 0 : msr >= 0xc0010000 ? 0x1000 : 0x800;
      const bit = (msr & 0x1fff) * 2 + (rw === 'w' ? 1 : 0);
      const a = MSRPM_HPA + base + (bit >> 3);
      v.mem.write8(a, v.mem.read8(a) | (1 << (bit & 7)));
    }
  };
}
const ECX = (msr: number) => ({ [RCX]: BigInt(msr), [RAX]: 0n, [RDX]: 0n });

const msrCases: Case[] = [
  { name: 'RDMSR 10h (range 0, read bit)', insn: 'rdmsr', regs: ECX(0x10), prep: msrpm([[0x10, 'r']]), exit: 0x7c, info1: 0n },
  { name: 'WRMSR C000_0081h (range 1, write bit)', insn: 'wrmsr', regs: ECX(0xc0000081), prep: msrpm([[0xc0000081, 'w']]), exit: 0x7c, info1: 1n },
  { name: 'RDMSR C001_0117h (range 2, read bit)', insn: 'rdmsr', regs: ECX(0xc0010117), prep: msrpm([[0xc0010117, 'r']]), exit: 0x7c, info1: 0n },
  { name: 'WRMSR 1FFFh (last MSR of range 0)', insn: 'wrmsr', regs: ECX(0x1fff), prep: msrpm([[0x1fff, 'w']]), exit: 0x7c, info1: 1n },
  { name: 'RDMSR 4000_0000h (outside the ranges: always)', insn: 'rdmsr', regs: ECX(0x40000000), prep: msrpm([]), exit: 0x7c, info1: 0n },
  { name: 'WRMSR C002_0000h (outside the ranges: always)', insn: 'wrmsr', regs: ECX(0xc0020000), prep: msrpm([]), exit: 0x7c, info1: 1n },
  { name: 'RDMSR C000_0081h with only its write bit: no exit', insn: 'rdmsr', regs: ECX(0xc0000081),
    prep: msrpm([[0xc0000081, 'w']]), exit: 0x81, rip: 'next', nrip: 'skip' },
  { name: 'WRMSR C000_0081h with only its read bit: no exit', insn: 'wrmsr', regs: ECX(0xc0000081),
    prep: msrpm([[0xc0000081, 'r']]), exit: 0x81, rip: 'next', nrip: 'skip' },
  { name: 'RDMSR C000_0081h with MSR_PROT clear: no exit', insn: 'rdmsr', regs: ECX(0xc0000081), off: [0x7c],
    exit: 0x81, rip: 'next', nrip: 'skip' },
];

runCases('IOIO', ioCases);
runCases('MSR', msrCases);
