// The raw limit: the same msgpack + CRC32C frames with no bookkeeping at all: no LSNs, no
// segments, no lock, no state. `len u32 | crc32c u32 | msgpack`, `writeSync` + `fdatasyncSync`.
// Variant 'pre-written': the file is filled with zeros (untimed) before the run, so a durable
// append changes no file size; the reader stops at the first zero length.
import { closeSync, fdatasyncSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import crc32c from 'fast-crc32c';
import { Packr, Unpackr } from 'msgpackr';
import type { BenchSystem, Sink } from './bench-system.js';
import { GroupCommitter } from './bench-system.js';
import { addToTotals, type BenchRecord, emptyTotals, sizes } from './workload.js';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });
const PREWRITTEN_BYTES = 64 * 2 ** 20;

function filePath(dir: string): string {
  return join(dir, 'journal.raw');
}

function frame(r: BenchRecord): Buffer {
  const payload = packr.pack(r);
  const out = Buffer.allocUnsafe(8 + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32c.calculate(payload), 4);
  out.set(payload, 8);
  return out;
}

function scanFrames(dir: string, each: (r: BenchRecord) => void): void {
  const fd = openSync(filePath(dir), 'r');
  let chunk = Buffer.allocUnsafe(1 << 20);
  let have = 0;
  let position = 0;
  for (;;) {
    const n = readSync(fd, chunk, have, chunk.length - have, position);
    position += n;
    have += n;
    let at = 0;
    while (have - at >= 8) {
      const len = chunk.readUInt32LE(at);
      if (len === 0) {
        closeSync(fd);
        return;
      }
      if (have - at < 8 + len) break;
      const payload = chunk.subarray(at + 8, at + 8 + len);
      if (crc32c.calculate(payload) !== chunk.readUInt32LE(at + 4)) {
        throw new Error(`raw: bad checksum at ${position - have + at}`);
      }
      each(unpackr.unpack(payload) as BenchRecord);
      at += 8 + len;
    }
    if (n === 0) break;
    const rest = chunk.subarray(at, have);
    if (rest.length * 2 > chunk.length) chunk = Buffer.allocUnsafe(chunk.length * 2);
    chunk.set(rest, 0);
    have = rest.length;
  }
  closeSync(fd);
}

export const rawSystem: BenchSystem = {
  name: 'raw limit',
  variants: { W1: ['appending', 'pre-written'], W2: ['appending', 'pre-written'] },
  config: {
    W1: '`writeSync` of one frame, then `fdatasyncSync`; pre-written: into a file of 64 MiB of zeros written and synced before the timer starts',
    W2: 'app group commit: one `writeSync` of the queued frames, then `fdatasyncSync`, per group (pre-written as W1)',
    W3: 'one `writeSync` per 1,000 frames, one final `fdatasyncSync`',
    W4: '1 MiB `readSync` chunks, CRC32C check and `unpack` per frame',
    W5: 'no index: a full scan, as W4',
  },

  async open(dir, workload, variant): Promise<Sink> {
    const fd = openSync(filePath(dir), 'w+');
    let position = 0;
    if (variant === 'pre-written') {
      const zeros = Buffer.alloc(1 << 20);
      for (let at = 0; at < PREWRITTEN_BYTES; at += zeros.length)
        writeSync(fd, zeros, 0, zeros.length, at);
      fdatasyncSync(fd);
    }
    const put = (bytes: Uint8Array) => {
      writeSync(fd, bytes, 0, bytes.length, position);
      position += bytes.length;
    };
    if (workload === 'W1') {
      return {
        append(r) {
          put(frame(r));
          fdatasyncSync(fd);
          return undefined;
        },
        close: () => closeSync(fd),
      };
    }
    if (workload === 'W2') {
      const group = new GroupCommitter<Buffer>((frames) => {
        put(Buffer.concat(frames));
        fdatasyncSync(fd);
      });
      return { append: (r) => group.append(frame(r)), close: () => closeSync(fd) };
    }
    let buffered: Buffer[] = [];
    return {
      append(r) {
        buffered.push(frame(r));
        if (buffered.length >= sizes.bufferedBatch) {
          put(Buffer.concat(buffered));
          buffered = [];
        }
        return undefined;
      },
      close() {
        if (buffered.length > 0) put(Buffer.concat(buffered));
        fdatasyncSync(fd);
        closeSync(fd);
      },
    };
  },

  async replay(dir, fold) {
    scanFrames(dir, (r) => fold.add(r.actionId, r.success, r.durationMs, r));
  },

  async answer(dir, actionId) {
    const totals = emptyTotals();
    scanFrames(dir, (r) => {
      if (r.actionId === actionId) addToTotals(totals, r.success, r.durationMs);
    });
    return totals;
  },
};
