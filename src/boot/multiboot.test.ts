import test = require('node:test');
import assert = require('node:assert/strict');
import { buildMemoryMap } from './e820';
import { KernelFormatError, KernelHeaderError, KernelTruncatedError, KernelUnsupportedError, InsufficientMemoryError } from './errors';
import { assembleLoopAsm, makeMultibootElf32 } from './fixtures';
import { MULTIBOOT_INFO_GPA, MultibootOptions, planMultibootBoot } from './multiboot';
import { DataRegion } from './plan';

const MiB = 2 ** 20;
const map = buildMemoryMap(32 * MiB);
const plan = (o: Partial<MultibootOptions> & { kernel: Uint8Array }) =>
  planMultibootBoot({ cmdline: '', memoryBytes: 32 * MiB, e820: map.e820, ...o });

/** Reads guest memory as the plan would leave it. */
function mem(p: ReturnType<typeof plan>) {
  const byte = (gpa: number): number => {
    for (const r of p.regions) {
      if (r.kind === 'data' && gpa >= r.gpa && gpa < r.gpa + r.bytes.length) return r.bytes[gpa - r.gpa];
      if (r.kind === 'zero' && gpa >= r.gpa && gpa < r.gpa + r.size) return 0;
    }
    throw new Error(`nothing planned at ${gpa.toString(16)}`);
  };
  const u32 = (gpa: number): number => (byte(gpa) | (byte(gpa + 1) << 8) | (byte(gpa + 2) << 16) | (byte(gpa + 3) << 24)) >>> 0;
  const str = (gpa: number): string => {
    let s = '';
    for (let a = gpa; byte(a) !== 0; a++) s += String.fromCharCode(byte(a));
    return s;
  };
  return { byte, u32, str };
}

test('loop.asm (a.out kludge): loaded at 1 MiB, EAX/EBX, flat 32-bit, paging off', (t) => {
  const image = assembleLoopAsm();
  if (image === undefined) return t.skip('nasm or loop.asm not available');
  const p = plan({ kernel: image, cmdline: 'loop iters=1000' });
  const img = p.regions.find((r) => r.what === 'multiboot image') as DataRegion;
  assert.equal(img.gpa, 0x100000);
  assert.deepEqual(img.bytes, image);
  assert.equal(p.entry, 0x100020); // start32 follows the 32-byte header
  assert.equal(p.cpu.rip, p.entry);
  assert.equal(p.cpu.mode, 'protected32');
  assert.equal(p.cpu.rax, 0x2badb002);
  assert.equal(p.cpu.rbx, MULTIBOOT_INFO_GPA);
  assert.equal(p.cpu.cr0 & 0x80000001, 1);
  assert.equal(p.cpu.efer, 0);
  assert.equal(p.cpu.cs.attrib, 0xc9b);
  assert.equal(p.cpu.ds.attrib, 0xc93);
  assert.equal(p.cpu.rflags & 0x200, 0);
  const m = mem(p);
  assert.equal(m.str(m.u32(MULTIBOOT_INFO_GPA + 16)), 'loop iters=1000');
  assert.equal(m.str(m.u32(MULTIBOOT_INFO_GPA + 64)), 'tsvisor');
});

test('multiboot information: mem_lower/upper and mmap from e820, modules page aligned', () => {
  const code = Uint8Array.from([0xfa, 0xf4, 0xeb, 0xfd]); // cli; hlt; jmp $-1
  const kernel = makeMultibootElf32(0x200000, code, 0x3000);
  const mods = [{ bytes: new Uint8Array(5000).fill(7), cmdline: 'mod0 a=1' }, { bytes: new Uint8Array(3).fill(9), cmdline: 'mod1' }];
  const p = plan({ kernel, modules: mods, cmdline: 'k' });
  const m = mem(p);
  const mbi = MULTIBOOT_INFO_GPA;
  const flags = m.u32(mbi);
  assert.equal(flags & 0b1001001101, 0b1001001101); // mem, cmdline, mods, mmap, loader name
  assert.equal(m.u32(mbi + 4), 639);
  assert.equal(m.u32(mbi + 8), (map.e820[2].size) / 1024);
  assert.equal(m.u32(mbi + 20), 2);
  const modsAddr = m.u32(mbi + 24);
  const kernelEnd = 0x200000 + code.length + 0x3000;
  const m0 = m.u32(modsAddr);
  assert.equal(m0 % 4096, 0);
  assert.ok(m0 >= kernelEnd);
  assert.equal(m.u32(modsAddr + 4), m0 + 5000);
  assert.equal(m.str(m.u32(modsAddr + 8)), 'mod0 a=1');
  const m1 = m.u32(modsAddr + 16);
  assert.equal(m1, m0 + 8192);
  assert.equal(m.byte(m1 + 2), 9);
  assert.equal(m.str(m.u32(modsAddr + 24)), 'mod1');
  // mmap: size field 20, then base, length, type
  const len = m.u32(mbi + 44);
  const addr = m.u32(mbi + 48);
  assert.equal(len, map.e820.length * 24);
  map.e820.forEach((e, i) => {
    assert.equal(m.u32(addr + i * 24), 20);
    assert.equal(m.u32(addr + i * 24 + 4), e.addr);
    assert.equal(m.u32(addr + i * 24 + 12), e.size);
    assert.equal(m.u32(addr + i * 24 + 20), e.type);
  });
  // ELF: code then bss zeros
  assert.equal(m.byte(0x200000), 0xfa);
  assert.equal(m.byte(0x200000 + code.length + 0x2fff), 0);
  assert.equal(p.entry, 0x200000);
});

test('ELF entry given as a virtual address is translated to physical', () => {
  const kernel = makeMultibootElf32(0x300000, new Uint8Array(16), 0, 0xc0000000);
  assert.equal(plan({ kernel }).entry, 0x300000);
});

test('malformed multiboot kernels: typed errors that name the problem', () => {
  const image = makeMultibootElf32(0x200000, new Uint8Array(64));
  const edit = (f: (dv: DataView, b: Uint8Array) => void): Uint8Array => {
    const b = image.slice();
    f(new DataView(b.buffer), b);
    return b;
  };
  assert.throws(() => plan({ kernel: new Uint8Array(8192) }), KernelFormatError);
  assert.throws(() => plan({ kernel: edit((dv) => dv.setUint32(0x88, 0, true)) }), /checksum|magic \+ flags/);
  assert.throws(() => plan({ kernel: edit((dv) => { dv.setUint32(0x84, 0x10, true); dv.setUint32(0x88, (-(0x1badb002 + 0x10)) >>> 0, true); }) }),
    KernelUnsupportedError);
  assert.throws(() => plan({ kernel: edit((dv) => dv.setUint32(64, 0x1000, true)) }), /below 1 MiB/);
  assert.throws(() => plan({ kernel: edit((dv) => dv.setUint32(64, 0x3000000, true)) }), InsufficientMemoryError);
  assert.throws(() => plan({ kernel: edit((dv) => { dv.setUint32(68, 0x100000, true); dv.setUint32(72, 0x100000, true); }) }), KernelTruncatedError);
  assert.throws(() => plan({ kernel: edit((dv) => dv.setUint32(72, 8, true)) }), /p_filesz .* exceeds p_memsz/);
  assert.throws(() => plan({ kernel: edit((dv) => dv.setUint32(24, 0x500000, true)) }), /entry 0x500000 is not inside/);
  assert.throws(() => plan({ kernel: edit((dv) => dv.setUint16(18, 40, true)) }), /e_machine 40/);
  assert.throws(() => plan({ kernel: edit((dv) => dv.setUint16(44, 2000, true)) }), KernelTruncatedError);
  assert.throws(() => plan({ kernel: image, cmdline: 'x'.repeat(600000) }), /at most/);
  assert.throws(() => plan({ kernel: image, modules: [{ bytes: new Uint8Array(40 * MiB), cmdline: 'big' }] }), InsufficientMemoryError);
});

test('a.out kludge field errors', (t) => {
  const image = assembleLoopAsm();
  if (image === undefined) return t.skip('nasm or loop.asm not available');
  const edit = (off: number, v: number): Uint8Array => {
    const b = image.slice();
    new DataView(b.buffer).setUint32(off, v, true);
    return b;
  };
  assert.throws(() => plan({ kernel: edit(16, 0x100010) }), KernelHeaderError); // load_addr > header_addr
  assert.throws(() => plan({ kernel: edit(20, 0x100000 + image.length + 4096) }), KernelTruncatedError);
  assert.throws(() => plan({ kernel: edit(24, 0x100010) }), /bss_end_addr/);
  assert.throws(() => plan({ kernel: edit(28, 0x90000) }), /entry_addr/);
  assert.equal(plan({ kernel: edit(20, 0) }).regions.find((r) => r.what === 'multiboot image')?.gpa, 0x100000);
});
