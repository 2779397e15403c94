// A tiny AML encoder (ACPI 6.x section 20, "ACPI Machine Language Specification") and the
// DSDT tsvisor ships: \_S5 for power-off and, optionally, the PCI host bridge \_SB.PCI0.
// Only the constructs used here: Name, Scope, Device, Package, Buffer, integers, EisaId,
// and the resource descriptors of ACPI 6.x section 6.4.

export type AmlBytes = number[];

/** 20.2.4 PkgLength: counts itself; 1 byte below 64, else 2-4 bytes (lead byte: count, low nibble). */
export function pkgLength(contentLength: number): AmlBytes {
  for (let n = 1; n <= 4; n++) {
    const total = contentLength + n;
    if (n === 1) {
      if (total < 0x40) return [total];
      continue;
    }
    if (total < 2 ** (4 + 8 * (n - 1))) {
      const out = [((n - 1) << 6) | (total & 0xf)];
      for (let i = 1; i < n; i++) out.push((total >> (4 + 8 * (i - 1))) & 0xff);
      return out;
    }
  }
  throw new RangeError(`AML package too large: ${contentLength}`);
}

/** 20.2.2 NameSeg: four characters [A-Z_][A-Z0-9_]{3}, padded with '_'. */
function nameSeg(s: string): AmlBytes {
  if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(s)) throw new RangeError(`bad AML name segment '${s}'`);
  return [...s.padEnd(4, '_')].map((c) => c.charCodeAt(0));
}

/** 20.2.2 NameString: optional root prefix '\', then one, two (2Eh) or more (2Fh n) segments. */
export function nameString(path: string): AmlBytes {
  const out: AmlBytes = [];
  let p = path;
  if (p.startsWith('\\')) {
    out.push(0x5c);
    p = p.slice(1);
  }
  const segs = p.split('.').map(nameSeg);
  if (segs.length === 2) out.push(0x2e);
  else if (segs.length > 2) out.push(0x2f, segs.length);
  for (const s of segs) out.push(...s);
  return out;
}

/** 20.2.3 integers: ZeroOp, OneOp, Byte/Word/DWord/QWord prefixes. */
export function integer(v: number): AmlBytes {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`bad AML integer ${v}`);
  if (v === 0) return [0x00];
  if (v === 1) return [0x01];
  const le = (n: number, bytes: number): AmlBytes =>
    Array.from({ length: bytes }, (_, i) => Math.floor(n / 2 ** (8 * i)) & 0xff);
  if (v <= 0xff) return [0x0a, v];
  if (v <= 0xffff) return [0x0b, ...le(v, 2)];
  if (v <= 0xffff_ffff) return [0x0c, ...le(v, 4)];
  return [0x0e, ...le(v, 8)];
}

/** EISA id compression ("PNP0A03" -> DWordConst 0x030AD041). */
export function eisaId(id: string): AmlBytes {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new RangeError(`bad EISA id '${id}'`);
  const c = (i: number): number => id.charCodeAt(i) - 0x40;
  const vendor = (c(0) << 10) | (c(1) << 5) | c(2);
  const product = parseInt(id.slice(3), 16);
  return [0x0c, vendor >> 8, vendor & 0xff, product >> 8, product & 0xff];
}

export const name = (path: string, value: AmlBytes): AmlBytes => [0x08, ...nameString(path), ...value];

export function scope(path: string, ...terms: AmlBytes[]): AmlBytes {
  const body = [...nameString(path), ...terms.flat()];
  return [0x10, ...pkgLength(body.length), ...body];
}

export function device(path: string, ...terms: AmlBytes[]): AmlBytes {
  const body = [...nameString(path), ...terms.flat()];
  return [0x5b, 0x82, ...pkgLength(body.length), ...body];
}

export function aPackage(...elements: AmlBytes[]): AmlBytes {
  const body = [elements.length, ...elements.flat()];
  return [0x12, ...pkgLength(body.length), ...body];
}

export function buffer(bytes: AmlBytes): AmlBytes {
  const body = [...integer(bytes.length), ...bytes];
  return [0x11, ...pkgLength(body.length), ...body];
}

// ---- resource descriptors (ACPI 6.x 6.4) ----

const le16 = (v: number): AmlBytes => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number): AmlBytes => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
/** General flags: ResourceProducer, MinFixed (bit 2), MaxFixed (bit 3), PosDecode. */
const PRODUCER_FIXED = 0x0c;

/** 6.4.3.5.3 Word Address Space Descriptor (type 1 I/O with EntireRange, 2 bus number). */
export function wordAddress(resourceType: 1 | 2, min: number, max: number): AmlBytes {
  const typeFlags = resourceType === 1 ? 0x03 : 0x00;
  return [0x88, ...le16(13), resourceType, PRODUCER_FIXED, typeFlags,
    ...le16(0), ...le16(min), ...le16(max), ...le16(0), ...le16(max - min + 1)];
}

/** 6.4.3.5.2 DWord Address Space Descriptor, memory, non-cacheable, read/write. */
export function dwordMemory(min: number, max: number): AmlBytes {
  return [0x87, ...le16(23), 0, PRODUCER_FIXED, 0x01,
    ...le32(0), ...le32(min), ...le32(max), ...le32(0), ...le32(max - min + 1)];
}

/** 6.4.2.5 I/O Port Descriptor, 16-bit decode, fixed range. */
export function ioPort(base: number, length: number): AmlBytes {
  return [0x47, 0x01, ...le16(base), ...le16(base), 0x01, length];
}

/** 6.4.2.9 End Tag (checksum 0: "treat as correct"). */
export function resourceTemplate(...descriptors: AmlBytes[]): AmlBytes {
  return buffer([...descriptors.flat(), 0x79, 0x00]);
}

/** SLP_TYP for S5 written to PM1a_CNT on power-off (the \_S5 package below). */
export const ACPI_SLP_TYP_S5 = 5;
/** Start of the 32-bit PCI MMIO window (the e820 PCI hole) up to just below the IOAPIC. */
const PCI_MMIO_START = 0xc000_0000;
const PCI_MMIO_END = 0xfebf_ffff;

/**
 * The DSDT body (after the table header):
 *   Name (\_S5, Package (4) { 5, 5, 0, 0 })      // PM1a/PM1b SLP_TYP for S5
 *   Scope (\_SB) { Device (PCI0) { _HID PNP0A03, _UID 0, _CRS: buses 0-FF, CF8-CFF,
 *     I/O 0-CF7 and D00-FFFF, memory C0000000-FEBFFFFF } }
 */
export function dsdtBody(pciHostBridge: boolean): Uint8Array {
  const terms: AmlBytes[] = [
    name('\\_S5', aPackage(integer(ACPI_SLP_TYP_S5), integer(ACPI_SLP_TYP_S5), integer(0), integer(0))),
  ];
  if (pciHostBridge) {
    terms.push(scope('\\_SB', device('PCI0',
      name('_HID', eisaId('PNP0A03')),
      name('_UID', integer(0)),
      name('_CRS', resourceTemplate(
        wordAddress(2, 0x00, 0xff),
        ioPort(0xcf8, 8),
        wordAddress(1, 0x0000, 0x0cf7),
        wordAddress(1, 0x0d00, 0xffff),
        dwordMemory(PCI_MMIO_START, PCI_MMIO_END),
      )),
    )));
  }
  return Uint8Array.from(terms.flat());
}
