// Rewriting a sealed segment with some of its frames replaced (erasure compaction,
// docs/lifecycle.md#erasure): same header, same LSNs, same batch and sync-point flags, each
// replaced frame sealed anew with the segment's salt. The copy goes to `<name>.tmp`, is synced,
// renamed over the segment and the directory synced, so a crash leaves the old file or the new
// one, both whole. Only a segment that reads clean end to end is rewritten; the whole segment is
// read into memory (at most maxSegmentBytes). Never the active segment: that is the writer's.
import { join } from 'node:path';
import {
  FrameFlag,
  SEGMENT_HEADER_BYTES,
  TEMP_SUFFIX,
  ZERO_FILL_VERSION,
} from '../format/constants.js';
import {
  frameBytesFor,
  frameChecksumMatches,
  framePayload,
  placeFrame,
  readFrameHeader,
  sealFrame,
} from '../format/frame-codec.js';
import { decodeSegmentHeader } from '../format/segment-header.js';
import { ioError, WalCorruptionError } from '../errors.js';
import { type FileSystem, readFully, writeFully } from './file-system.js';

/** What replaces a frame: its new type and payload (undefined: keep the frame as it is). */
export type FrameReplacement = (frame: {
  lsn: number;
  type: number;
  payload: Buffer;
}) => { type: number; payload: Uint8Array } | undefined;

/** Rewrites `name` with the frames `replace` answers for; returns how many it replaced. */
export async function rewriteSegment(
  fs: FileSystem,
  dir: string,
  name: string,
  replace: FrameReplacement,
): Promise<number> {
  const path = join(dir, name);
  const bytes = readWhole(fs, path);
  const verdict = decodeSegmentHeader(bytes.subarray(0, SEGMENT_HEADER_BYTES));
  if (verdict.kind !== 'ok') throw corruption(dir, name, 0, 0, 'bad segment header');
  const { salt, baseLsn, version } = verdict.header;
  const parts: Buffer[] = [bytes.subarray(0, SEGMENT_HEADER_BYTES)];
  let replaced = 0;
  let at = SEGMENT_HEADER_BYTES;
  let lsn = baseLsn;
  while (at < bytes.length) {
    // Zeros to the end of a v2 segment end its data (docs/format.md#zero-fill).
    if (version >= ZERO_FILL_VERSION && bytes.subarray(at).every((b) => b === 0)) break;
    const check = readFrameHeader(bytes, at, bytes.length - at);
    if (
      !check.ok ||
      check.header.lsn !== lsn ||
      !frameChecksumMatches(bytes, at, check.header, salt)
    ) {
      throw corruption(dir, name, at, lsn, check.ok ? 'frame does not check' : check.reason);
    }
    const { header } = check;
    const frame = bytes.subarray(at, at + header.frameBytes);
    const replacement = replace({
      lsn,
      type: header.type,
      payload: framePayload(bytes, at, header),
    });
    if (replacement) {
      const out = Buffer.alloc(frameBytesFor(replacement.payload.length));
      placeFrame(
        out,
        0,
        replacement.type,
        replacement.payload,
        lsn,
        header.flags & FrameFlag.batchContinues,
      );
      sealFrame(out, 0, header.flags & FrameFlag.syncPoint, salt);
      parts.push(out);
      replaced += 1;
    } else {
      parts.push(frame);
    }
    at += header.frameBytes;
    lsn += 1;
  }
  if (replaced === 0) return 0;
  const temp = path + TEMP_SUFFIX;
  const step = async <T>(what: string, where: string, run: () => T | Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw ioError(what, where, error);
    }
  };
  if (fs.exists(temp)) await step('removing', temp, () => fs.unlink(temp));
  const fd = await step('creating', temp, () => fs.open(temp, 'createExclusive'));
  try {
    await step('writing', temp, () => writeFully(fs, fd, Buffer.concat(parts), 0));
    await step('syncing', temp, () => fs.fdatasync(fd));
  } catch (error) {
    fs.close(fd);
    await step('removing', temp, () => fs.unlink(temp)).catch(() => undefined);
    throw error;
  }
  fs.close(fd);
  await step('renaming', temp, () => fs.rename(temp, path));
  await step('syncing directory', dir, () => fs.syncDir(dir));
  return replaced;
}

function readWhole(fs: FileSystem, path: string): Buffer {
  let fd: number;
  try {
    fd = fs.open(path, 'read');
  } catch (error) {
    throw ioError('opening', path, error);
  }
  try {
    const size = fs.size(fd);
    const bytes = Buffer.allocUnsafe(size);
    const read = readFully(fs, fd, bytes, 0, size, 0);
    return bytes.subarray(0, read);
  } catch (error) {
    throw ioError('reading', path, error);
  } finally {
    fs.close(fd);
  }
}

function corruption(
  dir: string,
  segment: string,
  offset: number,
  expectedLsn: number,
  reason: string,
): WalCorruptionError {
  return new WalCorruptionError({
    dir,
    segment,
    offset,
    expectedLsn,
    reason: `${reason} (compaction rewrites only segments that verify)`,
  });
}
