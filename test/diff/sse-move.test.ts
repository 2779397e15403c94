// Differential tests of SSE data movement against the host CPU (XMM, GPRs, memory),
// alignment faults, and RCPPS/RSQRTPS within the architectural error bound.
import test = require('node:test');
import assert = require('node:assert/strict');
import { buildCases, runSets } from './sse-gen';
import { runNative } from '../native/native';
import { Guest64 } from '../harness/guest64';
import { runOurs } from './diff';

const LOADS = ['movups', 'movupd', 'movaps', 'movapd', 'movdqa', 'movdqu', 'movss', 'movsd', 'movsldup', 'movshdup', 'movddup'];

test('loads, stores and register moves', () => {
  const forms: string[] = [];
  for (const op of LOADS) forms.push(`${op} xmm1, xmm2`, `${op} xmm9, xmm14`, `${op} xmm3, [rsi+32]`);
  for (const op of ['movups', 'movupd', 'movdqu', 'movss', 'movsd']) forms.push(`${op} xmm3, [rsi+4]`, `${op} [rsi+12], xmm13`);
  for (const op of ['movaps', 'movapd', 'movdqa', 'movntps', 'movntpd', 'movntdq']) forms.push(`${op} [rsi+48], xmm13`);
  forms.push('lddqu xmm2, [rsi+3]', 'movnti [rsi+8], eax', 'movnti [rsi+9], r11');
  forms.push('movlps xmm1, [rsi+8]', 'movhps xmm1, [rsi+8]', 'movlpd xmm10, [rsi+8]', 'movhpd xmm10, [rsi+8]');
  forms.push('movlps [rsi+4], xmm5', 'movhps [rsi+4], xmm5', 'movlpd [rsi+4], xmm12', 'movhpd [rsi+4], xmm12');
  forms.push('movhlps xmm1, xmm2', 'movlhps xmm1, xmm2', 'movhlps xmm11, xmm4', 'movlhps xmm4, xmm15');
  forms.push('movd xmm1, eax', 'movd xmm9, [rsi+4]', 'movq xmm1, rbx', 'movq xmm12, [rsi+8]', 'movq xmm2, xmm3', 'movq xmm10, xmm3');
  forms.push('movd eax, xmm2', 'movd [rsi+4], xmm9', 'movq rbx, xmm2', 'movq r12, xmm10', 'movq [rsi+8], xmm11', 'movq xmm4, [rsi+24]');
  forms.push('movmskps eax, xmm2', 'movmskps r9d, xmm12', 'movmskpd eax, xmm2', 'pmovmskb ecx, xmm3', 'pmovmskb r10d, xmm11');
  for (const i of [0, 3, 5, 7]) forms.push(`pextrw eax, xmm2, ${i}`, `pextrw r11d, xmm12, ${i}`, `pinsrw xmm1, ebx, ${i}`, `pinsrw xmm9, [rsi+2], ${i}`);
  forms.push('maskmovdqu xmm1, xmm2', 'maskmovdqu xmm9, xmm13');
  const r = runSets([{ forms, kind: 'int', perForm: 25, seed: 201 }]);
  assert.deepEqual(r.mismatches, []);
});

test('misaligned aligned-forms fault with #GP (SIGSEGV natively)', () => {
  const forms = ['movaps xmm1, [rsi+8]', 'movdqa [rsi+4], xmm1', 'addps xmm1, [rsi+4]', 'paddb xmm1, [rsi+1]', 'pshufb xmm1, [rsi+8]',
    'movntdq [rsi+8], xmm3', 'cvtps2pd xmm1, [rsi+4]', 'movddup xmm1, [rsi+4]'];
  const r = runSets([{ forms, kind: 'int', perForm: 3, seed: 202 }]);
  assert.deepEqual(r.mismatches, []);
});

test('RCPPS/RSQRTPS/RCPSS/RSQRTSS within 1.5 * 2^-12 relative error of the host', () => {
  const forms = ['rcpps xmm1, xmm2', 'rsqrtps xmm1, xmm2', 'rcpss xmm1, xmm2', 'rsqrtss xmm1, [rsi+4]', 'rcpps xmm9, [rsi+16]'];
  const cases = buildCases({ forms, kind: 'ps', perForm: 200, seed: 203 });
  const native = runNative(cases);
  const g = new Guest64();
  const f = new Float32Array(2), u = new Uint32Array(f.buffer);
  let checked = 0;
  for (let i = 0; i < cases.length; i++) {
    const o = runOurs(g, cases[i]);
    assert.equal(native[i].status, 0);
    assert.equal(o.exitCode, 0x81);
    for (let k = 160; k < 416; k += 4) {
      const n = new DataView(native[i].fxsave.buffer, native[i].fxsave.byteOffset).getUint32(k, true);
      const m = new DataView(o.fxsave.buffer).getUint32(k, true);
      if (n === m) continue;
      u[0] = n; u[1] = m;
      const ok = Number.isFinite(f[0]) && Number.isFinite(f[1]) && f[0] !== 0 && Math.abs(f[0] - f[1]) <= Math.abs(f[0]) * 1.5 / 4096;
      assert.ok(ok, `${cases[i].label}: lane at ${k} native ${n.toString(16)} ours ${m.toString(16)}`);
      checked++;
    }
  }
  assert.ok(checked > 100, 'approximations differ from exact results in many lanes');
});
