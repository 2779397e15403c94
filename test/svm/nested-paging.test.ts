// Nested paging faults (svm.md 6.2, 12; APM Vol.2 15.25): #VMEXIT(NPF) = 400h with
// EXITINFO1 = P/RW/US/RSV/ID + bit 32 (final gPA) or bit 33 (guest page-table access),
// EXITINFO2 = the guest-physical address; decode assists (0D0h/0D1h); map and retry.
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { Vm, VMCB, EXIT, CODE_VA, CODE_HPA, DATA_HPA, LOW_HPA, asm, hex } from './vm';

const P = 1n, RW = 2n, US = 4n, ID = 16n, FINAL = 1n << 32n, GPT = 1n << 33n;

const [READ, WRITE_AFTER_READ, JUMP2, READ_HIGH] = asm(
  'mov eax, [0x10001234]',
  'mov eax, [0x10001000]\nmov dword [0x10001010], 7',
  'mov rax, 0x20001000\njmp rax',
  'mov eax, [0x40000010]',
);

test('NPF on an unmapped final gPA (read): not present, US, bit 32; map it and the load completes', () => {
  const v = new Vm(READ);
  v.mem.write32(DATA_HPA + 0x1234, 0xabcd);
  v.unmapNested(0x10001000);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.equal(hex(e.info1), hex(US | FINAL));
  assert.equal(hex(e.info2), hex(0x10001234n));
  assert.equal(hex(e.rip), hex(CODE_VA));
  assert.equal(e.intInfo, 0);
  // The hypervisor maps the page and resumes at the same RIP.
  v.mapNested(0x10001000, DATA_HPA + 0x1000);
  const e2 = v.go();
  assert.equal(hex(e2.code), hex(EXIT.VMMCALL));
  assert.equal(v.r64(VMCB.RAX), 0xabcdn);
});

test('NPF on an unmapped final gPA (write): RW set', () => {
  const [code] = asm('mov dword [0x10001234], 5');
  const v = new Vm(code);
  v.unmapNested(0x10001000);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.equal(hex(e.info1), hex(RW | US | FINAL));
  assert.equal(hex(e.info2), hex(0x10001234n));
});

test('write to a nested read-only page: P|RW|US, bit 32; reads of it work', () => {
  const v = new Vm(WRITE_AFTER_READ);
  v.mapNested(0x10001000, DATA_HPA + 0x1000, false);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.equal(hex(e.info1), hex(P | RW | US | FINAL));
  assert.equal(hex(e.info2), hex(0x10001010n));
  // RIP is the store (the load before it completed).
  const loadLen = asm('mov eax, [0x10001000]')[0].length;
  assert.equal(hex(e.rip), hex(BigInt(CODE_VA + loadLen)));
  v.mapNested(0x10001000, DATA_HPA + 0x1000, true);
  v.cpu.invlpga(0x10001000, 1); // the read-only translation may be cached (svm.md 13)
  assert.equal(hex(v.go().code), hex(EXIT.VMMCALL));
  assert.equal(v.mem.read32(DATA_HPA + 0x1010), 7);
});

test('instruction fetch from a nested NX page: P|US|ID, bit 32, RIP = the target', () => {
  const v = new Vm(JUMP2);
  v.mem.writeBytes(CODE_HPA + 0x1000, [0x0f, 0x01, 0xd9]); // VMMCALL at 0x20001000
  v.mapNested(CODE_VA + 0x1000, CODE_HPA + 0x1000, true, false);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.equal(hex(e.info1), hex(P | US | ID | FINAL));
  assert.equal(hex(e.info2), hex(0x20001000n));
  assert.equal(hex(e.rip), hex(0x20001000n));
  v.mapNested(CODE_VA + 0x1000, CODE_HPA + 0x1000, true, true);
  v.cpu.invlpga(0x20001000, 1);
  const e2 = v.go();
  assert.equal(hex(e2.code), hex(EXIT.VMMCALL));
  assert.equal(hex(e2.rip), hex(0x20001000n));
});

test('NPF during the guest page walk: bit 33, EXITINFO2 = gPA of the guest entry; map and retry', () => {
  const v = new Vm(READ_HIGH);
  // Guest PDPT[1] -> PD at gPA 0x6000, which the nested tables do not map.
  v.mem.write32(LOW_HPA + 0x2008, 0x6000 | 7);
  v.unmapNested(0x6000);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.equal(hex(e.info1 & ~(P | RW)), hex(US | GPT), 'US and bit 33 (a read of the PDE; RW only for an A/D write)');
  assert.equal(e.info1 & FINAL, 0n, 'not a final-address fault');
  assert.equal(hex(e.info2), hex(0x6000n));
  assert.equal(hex(e.rip), hex(CODE_VA));
  // Map the PD; PDE 0 maps 0x40000000 (2 MiB) to gPA 0x10000000, the data area.
  v.mapNested(0x6000, LOW_HPA + 0x6000);
  v.mem.write32(LOW_HPA + 0x6000, 0x10000000 | 0x87);
  v.mem.write32(LOW_HPA + 0x6004, 0);
  v.mem.write32(DATA_HPA + 0x10, 0x5eed);
  const e2 = v.go();
  assert.equal(hex(e2.code), hex(EXIT.VMMCALL));
  assert.equal(v.r64(VMCB.RAX), 0x5eedn);
});

test('nested page with a reserved bit set: RSV|P', () => {
  const v = new Vm(READ);
  const pte = v.nestedPte(0x10001000);
  v.mem.write32(pte + 4, 0x00080000); // bit 51: above MAXPHYADDR (40)
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.equal(hex(e.info1), hex(8n | P | US | FINAL));
});

test('decode assists on a data NPF: GUEST_INSN_LEN and the bytes at RIP', () => {
  const v = new Vm(READ);
  v.unmapNested(0x10001000);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.ok(e.insnLen >= READ.length && e.insnLen <= 15, `GUEST_INSN_LEN ${e.insnLen}`);
  assert.deepEqual(e.insnBytes.slice(0, READ.length), [...READ]);
  const expect = [...v.mem.u8.subarray(CODE_HPA, CODE_HPA + e.insnLen)];
  assert.deepEqual(e.insnBytes, expect);
});

test('decode assists on a fetch NPF: no bytes (GUEST_INSN_LEN = 0)', {
}, () => {
  const v = new Vm(JUMP2);
  v.mapNested(CODE_VA + 0x1000, CODE_HPA + 0x1000, true, false);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.equal(e.insnLen, 0);
});

test('decode assists: GUEST_INSN_LEN = 0 on exits other than NPF/#PF', () => {
  const v = new Vm(READ);
  v.w32(VMCB.GUEST_INSN_LEN, 0x0f);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.VMMCALL));
  assert.equal(e.insnLen, 0);
});

test('NPF on the guest walk\'s A-bit update: guest table page read-only in the nested tables -> P|RW|US, bit 33', () => {
  const v = new Vm(READ_HIGH);
  v.mem.write32(LOW_HPA + 0x2008, 0x6000 | 7);
  v.mem.write32(LOW_HPA + 0x6000, 0x10000000 | 0x87); // PDE with A = 0: the walk must set it
  v.mapNested(0x6000, LOW_HPA + 0x6000, false);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.equal(hex(e.info1), hex(P | RW | US | GPT));
  assert.equal(hex(e.info2), hex(0x6000n));
});
