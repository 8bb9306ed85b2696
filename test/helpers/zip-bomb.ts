import JSZip from 'jszip';
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** One file of a zip: its name, its bytes as stored (deflated), and the size and CRC-32 of what they unpack to. */
interface Entry {
  name: Buffer;
  data: Buffer;
  size: number;
  crc: number;
  /** The size the headers claim, when they lie (else `size`). */
  declared?: number;
}

/** A zip archive of the entries (deflate, no zip64: every size under 4 GiB). */
function zip(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // names in UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.declared ?? e.size, 22);
    local.writeUInt16LE(e.name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.declared ?? e.size, 24);
    central.writeUInt16LE(e.name.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, e.name, e.data);
    directory.push(central, e.name);
    offset += local.length + e.name.length + e.data.length;
  }
  const size = directory.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...directory, end]);
}

/**
 * A zip bomb dressed as a workbook: the parts of `xlsx` (a real one), plus a worksheet that unpacks
 * to `unpacked` bytes (1.1 GiB unless told) from about a thousandth of that. The bomb is one
 * deflated block of 16 MiB of the same byte, repeated (each block refers only to itself), then an
 * empty final block; its CRC-32 is the true one, so an unzipper would unpack all of it. With
 * `declared`, its headers (local and central) claim that many bytes instead: a directory that lies.
 */
export async function zipBombXlsx(xlsx: Buffer, unpacked = 70 * 16 * 1024 * 1024, declared?: number): Promise<Buffer> {
  const book = await JSZip.loadAsync(xlsx);
  const entries: Entry[] = [];
  for (const file of Object.values(book.files).filter((f) => !f.dir)) {
    const bytes = await file.async('nodebuffer');
    entries.push({ name: Buffer.from(file.name), data: deflateRawSync(bytes), size: bytes.length, crc: crc32(bytes) });
  }
  const block = Buffer.alloc(16 * 1024 * 1024, 0x20);
  const repeats = Math.ceil(unpacked / block.length);
  const flushed = deflateRawSync(block, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  let crc = 0;
  for (let i = 0; i < repeats; i++) crc = crc32(block, crc);
  const data = Buffer.concat([...new Array<Buffer>(repeats).fill(flushed), Buffer.from([0x03, 0x00])]);
  entries.push({ name: Buffer.from('xl/worksheets/sheet2.xml'), data, size: repeats * block.length, crc, declared });
  return zip(entries);
}
