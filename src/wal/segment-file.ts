// The active segment a writer appends to, and how a new one comes into being (rotation):
// header written to `<name>.tmp`, synced, renamed into place, directory synced.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FORMAT_VERSION, TEMP_SUFFIX } from '../format/constants.js';
import { encodeSegmentHeader } from '../format/segment-header.js';
import { segmentName } from '../format/segment-name.js';
import { crashPoint } from './crash-point.js';
import { ioError } from '../errors.js';
import { type FileSystem, readFully, writeFully } from './file-system.js';
import type { ScanReport } from './log-reader.js';
import type { TailRepair } from './tail-repair.js';

const ZEROS = Buffer.alloc(256 * 1024);

export class SegmentFile {
  readonly name: string;
  readonly path: string;
  readonly baseLsn: number;
  readonly salt: number;
  /** Format version of its header: a writer appends only to a segment of its own version. */
  readonly version: number;
  #fs: FileSystem;
  #fd: number;
  #bytes: number;
  /** Size of the file: past #bytes it holds zeros written ahead (docs/format.md#zero-fill). */
  #allocated: number;

  constructor(
    fs: FileSystem,
    dir: string,
    name: string,
    baseLsn: number,
    salt: number,
    fd: number,
    bytes: number,
    version: number,
    allocated = bytes,
  ) {
    this.version = version;
    this.#fs = fs;
    this.name = name;
    this.path = join(dir, name);
    this.baseLsn = baseLsn;
    this.salt = salt;
    this.#fd = fd;
    this.#bytes = bytes;
    this.#allocated = Math.max(bytes, allocated);
  }

  /** Creates a new segment whose first frame will have LSN `baseLsn` (crash point: rotate). */
  static async create(fs: FileSystem, dir: string, baseLsn: number): Promise<SegmentFile> {
    const name = segmentName(baseLsn);
    const tempPath = join(dir, name + TEMP_SUFFIX);
    const salt = randomBytes(4).readUInt32LE(0);
    const header = encodeSegmentHeader({ version: FORMAT_VERSION, salt, baseLsn });
    let fd: number;
    try {
      fd = fs.open(tempPath, 'createExclusive');
    } catch (error) {
      throw ioError('creating', tempPath, error);
    }
    let step = 'writing';
    try {
      writeFully(fs, fd, header, 0);
      step = 'syncing';
      await fs.fdatasync(fd);
      crashPoint?.('rotate:after-temp-sync');
      step = 'renaming';
      fs.rename(tempPath, join(dir, name));
      step = 'syncing the directory of';
      crashPoint?.('rotate:after-rename');
      fs.syncDir(dir);
    } catch (error) {
      fs.close(fd);
      const renamed = step === 'syncing the directory of';
      if (!renamed) removeQuietly(fs, tempPath);
      throw ioError(step, renamed ? dir : tempPath, error);
    }
    return new SegmentFile(fs, dir, name, baseLsn, salt, fd, header.length, FORMAT_VERSION);
  }

  /** Opens an existing segment to append after its last whole batch at `bytes`. */
  static openForAppend(
    fs: FileSystem,
    dir: string,
    name: string,
    baseLsn: number,
    salt: number,
    bytes: number,
    version: number,
  ): SegmentFile {
    const fd = fs.open(join(dir, name), 'readWrite');
    try {
      return new SegmentFile(fs, dir, name, baseLsn, salt, fd, bytes, version, fs.size(fd));
    } catch (error) {
      fs.close(fd);
      throw error;
    }
  }

  /**
   * Replaces this segment's file by a copy (temp file, fdatasync, rename over the name, directory
   * fsync) and returns the copy opened for append. A process still holding the old file open
   * (a writer paused past the lock's stale window) then writes only to the orphaned old inode.
   */
  async moveToFreshFile(fs: FileSystem, dir: string): Promise<SegmentFile> {
    const tempPath = this.path + TEMP_SUFFIX;
    if (fs.exists(tempPath)) fs.unlink(tempPath);
    const bytes = Buffer.allocUnsafe(this.#bytes);
    readFully(fs, this.#fd, bytes, 0, this.#bytes, 0);
    const fd = fs.open(tempPath, 'createExclusive');
    let renamed = false;
    try {
      writeFully(fs, fd, bytes, 0);
      await fs.fdatasync(fd);
      fs.rename(tempPath, this.path);
      renamed = true;
      fs.syncDir(dir);
    } catch (error) {
      fs.close(fd);
      if (!renamed) removeQuietly(fs, tempPath);
      throw error;
    }
    this.close();
    return new SegmentFile(
      fs,
      dir,
      this.name,
      this.baseLsn,
      this.salt,
      fd,
      this.#bytes,
      this.version,
    );
  }

  /** Bytes in the segment, header included: where the next frame goes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Size of the file, zeros written ahead included. */
  get allocated(): number {
    return this.#allocated;
  }

  append(frames: Uint8Array): void {
    const at = this.#bytes;
    writeFully(this.#fs, this.#fd, frames, at);
    this.#bytes = at + frames.length;
    if (this.#bytes > this.#allocated) this.#allocated = this.#bytes;
  }

  /**
   * Writes zeros over [from, to) (from at or past the end of the data), so that later appends
   * below `to` change no file size and their fdatasync commits data only. Not synced here: the
   * next sync covers it, and until then a crash leaves zeros or nothing, both the end of data.
   */
  preallocate(from: number, to: number): void {
    for (let at = Math.max(from, this.#bytes); at < to; at += ZEROS.length) {
      const n = Math.min(ZEROS.length, to - at);
      writeFully(this.#fs, this.#fd, ZEROS.subarray(0, n), at);
      if (at + n > this.#allocated) this.#allocated = at + n;
    }
  }

  /** Cuts the zeros written ahead (before sealing or closing). True when it changed the file. */
  trimToData(): boolean {
    // The file size, not #allocated: zeros a failed preallocation left are cut too.
    if (this.#allocated <= this.#bytes && this.#fs.size(this.#fd) <= this.#bytes) return false;
    this.#fs.truncate(this.#fd, this.#bytes);
    this.#allocated = this.#bytes;
    return true;
  }

  sync(): Promise<void> {
    return this.#fs.fdatasync(this.#fd);
  }

  close(): void {
    this.#fs.close(this.#fd);
  }
}

/** Unlinks a temp file a failed step made; if that fails too, the next open removes it. */
function removeQuietly(fs: FileSystem, path: string): void {
  try {
    if (fs.exists(path)) fs.unlink(path);
  } catch {
    // removeTempFiles at the next open.
  }
}

/** The LSN after the last record on disk; an empty log continues at its first segment's base. */
export function nextLsnAfter(scan: ScanReport, fromLsn: number | undefined): number {
  if (scan.lastLsn > 0) return scan.lastLsn + 1;
  const last = scan.segments.at(-1);
  return last ? last.lastLsn + 1 : Math.max(1, fromLsn ?? 1);
}

/** The segment a writer appends to after open: the last one whose header checked. */
export function reopenLastSegment(
  fs: FileSystem,
  dir: string,
  scan: ScanReport,
  repair: TailRepair | undefined,
): SegmentFile | undefined {
  const usable = scan.segments.filter(
    (s) => !(repair?.action === 'moved-aside' && s.name === repair.segment),
  );
  const last = usable.at(-1);
  if (!last || last.salt === undefined) return undefined;
  try {
    return SegmentFile.openForAppend(
      fs,
      dir,
      last.name,
      last.baseLsn,
      last.salt,
      last.goodOffset,
      last.version ?? FORMAT_VERSION,
    );
  } catch (error) {
    throw ioError('opening for append', join(dir, last.name), error);
  }
}
