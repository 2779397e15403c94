// Table-driven intercept cases: `pre` sets up, `insn` is the intercepted instruction.
// Exits are fault-like (svm.md 10): the VMCB RIP is `insn`'s address; nRIP is the next
// instruction for instruction intercepts (APM Vol.2 15.7.1, NRIPS).
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { Vm, VMCB, CODE_VA, DATA_VA, asm, concat, hex } from './vm';
import { RSP } from '../../src/cpu/regs';

export interface Case {
  name: string;
  pre?: string;
  insn: string;
  /** Intercepts (exit-code numbering) to set / clear on top of Guest64's defaults. */
  on?: number[];
  off?: number[];
  regs?: Record<number, bigint>;
  prep?: (v: Vm) => void;
  exit: number;
  info1?: bigint;
  /** 'next' = RIP of the next instruction (IOIO). */
  info2?: bigint | 'next';
  /** Expected nRIP: 'next' (default) or 'skip' (not asserted here). */
  nrip?: 'next' | 'skip';
  /** Expected RIP: 'insn' (default) or 'next' (trap-like, e.g. after HLT completes). */
  rip?: 'insn' | 'next';
  budget?: number;
  todo?: string;
}

export interface Built { v: Vm; ripInsn: bigint; ripNext: bigint }

/** Assemble all cases at once (one nasm run) and return a builder per case. */
export function prepare(cases: Case[]): (c: Case) => Built {
  const texts = cases.flatMap((c) => [c.pre ?? '', c.insn]);
  const bins = asm(...texts);
  const bytes = new Map<Case, [Uint8Array, Uint8Array]>();
  cases.forEach((c, i) => bytes.set(c, [bins[2 * i], bins[2 * i + 1]]));
  return (c) => {
    const [pre, insn] = bytes.get(c)!;
    const v = new Vm(concat(pre, insn));
    v.setReg(RSP, BigInt(DATA_VA + 0x8000));
    for (const x of c.on ?? []) v.intercept(x, true);
    for (const x of c.off ?? []) v.intercept(x, false);
    for (const [r, val] of Object.entries(c.regs ?? {})) v.setReg(Number(r), val);
    c.prep?.(v);
    const ripInsn = BigInt(CODE_VA + pre.length);
    return { v, ripInsn, ripNext: ripInsn + BigInt(insn.length) };
  };
}

export function runCases(title: string, cases: Case[]): void {
  const build = prepare(cases);
  for (const c of cases) {
    test(`${title}: ${c.name} -> exit ${hex(c.exit)}`, c.todo ? { todo: c.todo } : {}, () => {
      const { v, ripInsn, ripNext } = build(c);
      const e = v.go(c.budget ?? 100_000);
      assert.equal(hex(e.code), hex(c.exit), 'EXITCODE');
      assert.equal(hex(e.info1), hex(c.info1 ?? 0n), 'EXITINFO1');
      const i2 = c.info2 === 'next' ? ripNext : c.info2 ?? 0n;
      assert.equal(hex(e.info2), hex(i2), 'EXITINFO2');
      assert.equal(hex(e.rip), hex(c.rip === 'next' ? ripNext : ripInsn), 'RIP');
      if ((c.nrip ?? 'next') === 'next') assert.equal(hex(e.nrip), hex(ripNext), 'nRIP');
      assert.equal(e.intInfo, 0, 'EXITINTINFO');
    });
  }
}

/** Read a VMCB 8-byte field as bigint (for extra assertions). */
export const field = (v: Vm, off: keyof typeof VMCB): bigint => v.r64(VMCB[off]);
