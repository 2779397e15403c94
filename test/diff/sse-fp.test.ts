// Differential tests of SSE/SSE2/SSE3 floating-point arithmetic, compares and conversions
// against the host CPU: XMM results bit for bit, MXCSR flags, RFLAGS for (U)COMIS*.
import test = require('node:test');
import assert = require('node:assert/strict');
import { runSets, xmmForms } from './sse-gen';

const PS = ['addps', 'subps', 'mulps', 'divps', 'minps', 'maxps', 'sqrtps', 'addsubps', 'haddps', 'hsubps'];
const PD = ['addpd', 'subpd', 'mulpd', 'divpd', 'minpd', 'maxpd', 'sqrtpd', 'addsubpd', 'haddpd', 'hsubpd'];
const SS = ['addss', 'subss', 'mulss', 'divss', 'minss', 'maxss', 'sqrtss'];
const SD = ['addsd', 'subsd', 'mulsd', 'divsd', 'minsd', 'maxsd', 'sqrtsd'];

test('packed/scalar single arithmetic (default MXCSR)', () => {
  const r = runSets([
    { forms: xmmForms(PS), kind: 'ps', perForm: 30, seed: 11 },
    { forms: xmmForms(SS, '[rsi+20]'), kind: 'ps', perForm: 30, seed: 12 },
  ]);
  assert.deepEqual(r.mismatches, []);
});

test('packed/scalar double arithmetic (default MXCSR)', () => {
  const r = runSets([
    { forms: xmmForms(PD), kind: 'pd', perForm: 30, seed: 13 },
    { forms: xmmForms(SD, '[rsi+24]'), kind: 'pd', perForm: 30, seed: 14 },
  ]);
  assert.deepEqual(r.mismatches, []);
});

test('arithmetic under all rounding modes, DAZ and FTZ', () => {
  const r = runSets([
    { forms: xmmForms([...PS, ...SS]), kind: 'ps', perForm: 30, mxcsr: 'mixed', seed: 21 },
    { forms: xmmForms([...PD, ...SD]), kind: 'pd', perForm: 30, mxcsr: 'mixed', seed: 22 },
  ]);
  assert.deepEqual(r.mismatches, []);
});

test('unmasked exceptions raise #XM and leave the destination', () => {
  const r = runSets([
    { forms: xmmForms(['addps', 'mulss', 'divps', 'sqrtss', 'maxps', 'cvtps2dq', 'cvtpd2ps']), kind: 'ps', perForm: 40, mxcsr: 'unmasked', seed: 23 },
    { forms: xmmForms(['addpd', 'mulsd', 'divpd', 'sqrtsd', 'cmpltpd', 'cvtsd2ss']), kind: 'pd', perForm: 40, mxcsr: 'unmasked', seed: 24 },
  ]);
  assert.deepEqual(r.mismatches, []);
});

test('compares: CMPccPS/PD/SS/SD and (U)COMISS/SD', () => {
  const forms: string[] = [];
  for (let p = 0; p < 8; p++) forms.push(`cmpps xmm1, xmm2, ${p}`, `cmpps xmm11, [rsi+32], ${p}`, `cmpss xmm4, xmm5, ${p}`, `cmpss xmm4, [rsi+4], ${p}`);
  const formsD: string[] = [];
  for (let p = 0; p < 8; p++) formsD.push(`cmppd xmm1, xmm2, ${p}`, `cmppd xmm11, [rsi+32], ${p}`, `cmpsd xmm4, xmm5, ${p}`, `cmpsd xmm4, [rsi+8], ${p}`);
  const r = runSets([
    { forms, kind: 'ps', perForm: 40, mxcsr: 'mixed', seed: 31 },
    { forms: formsD, kind: 'pd', perForm: 40, mxcsr: 'mixed', seed: 32 },
    { forms: xmmForms(['comiss', 'ucomiss'], '[rsi+4]'), kind: 'ps', perForm: 80, mxcsr: 'mixed', seed: 33 },
    { forms: xmmForms(['comisd', 'ucomisd'], '[rsi+8]'), kind: 'pd', perForm: 80, mxcsr: 'mixed', seed: 34 },
  ]);
  assert.deepEqual(r.mismatches, []);
});

test('conversions', () => {
  const fromPs = [
    'cvtss2si eax, xmm2', 'cvtss2si rax, xmm9', 'cvttss2si ecx, [rsi+4]', 'cvttss2si r10, xmm3', 'cvtss2si rdx, [rsi]',
    'cvtps2pd xmm1, xmm2', 'cvtps2pd xmm10, [rsi+8]', 'cvtss2sd xmm1, xmm2', 'cvtss2sd xmm1, [rsi+4]',
    'cvtps2dq xmm1, xmm2', 'cvtps2dq xmm1, [rsi+16]', 'cvttps2dq xmm13, xmm2', 'cvttps2dq xmm1, [rsi]',
  ];
  const fromPd = [
    'cvtsd2si eax, xmm2', 'cvtsd2si rax, xmm9', 'cvttsd2si ecx, [rsi+8]', 'cvttsd2si r10, xmm3', 'cvtsd2si rdx, [rsi]',
    'cvtpd2ps xmm1, xmm2', 'cvtpd2ps xmm10, [rsi+16]', 'cvtsd2ss xmm1, xmm2', 'cvtsd2ss xmm1, [rsi+8]',
    'cvtpd2dq xmm1, xmm2', 'cvtpd2dq xmm1, [rsi+16]', 'cvttpd2dq xmm13, xmm2', 'cvttpd2dq xmm1, [rsi]',
  ];
  const fromInt = [
    'cvtsi2ss xmm1, eax', 'cvtsi2ss xmm1, rbx', 'cvtsi2ss xmm9, dword [rsi]', 'cvtsi2ss xmm2, qword [rsi+8]',
    'cvtsi2sd xmm1, eax', 'cvtsi2sd xmm1, rbx', 'cvtsi2sd xmm9, dword [rsi]', 'cvtsi2sd xmm2, qword [rsi+8]',
    'cvtdq2ps xmm1, xmm2', 'cvtdq2ps xmm1, [rsi+16]', 'cvtdq2pd xmm1, xmm2', 'cvtdq2pd xmm1, [rsi+8]',
    'cvtpi2ps xmm1, [rsi]', 'cvtpi2pd xmm1, [rsi+8]',
  ];
  const r = runSets([
    { forms: fromPs, kind: 'ps', perForm: 90, mxcsr: 'mixed', seed: 41 },
    { forms: fromPd, kind: 'pd', perForm: 90, mxcsr: 'mixed', seed: 42 },
    { forms: fromInt, kind: 'int', perForm: 90, mxcsr: 'mixed', seed: 43 },
  ]);
  assert.deepEqual(r.mismatches, []);
});

test('FP logic', () => {
  const r = runSets([{ forms: xmmForms(['andps', 'andnps', 'orps', 'xorps', 'andpd', 'andnpd', 'orpd', 'xorpd']), kind: 'ps', perForm: 25, seed: 51 }]);
  assert.deepEqual(r.mismatches, []);
});
