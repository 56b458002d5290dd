// A bounded read window over one segment file: replay and verify never hold a whole segment in
// memory, only `chunkBytes` (or one frame, when a frame is larger). Bytes past `fileBytes` (the
// size when the cursor was made) are never read, so a reader beside a live writer sees a fixed
// snapshot of each segment.
import { ioError } from '../errors.js';
import { type FileSystem, readFully } from './file-system.js';

export class SegmentCursor {
  readonly fileBytes: number;
  #fs: FileSystem;
  #fd: number;
  #chunkBytes: number;
  #buffer: Buffer;
  #windowStart = 0;
  #windowBytes = 0;
  #bytesRead = 0;
  #path: string;

  /** `path` names the file in the WAL_IO error a failed read becomes. */
  constructor(
    fs: FileSystem,
    fd: number,
    fileBytes: number,
    chunkBytes: number,
    path = 'a segment',
  ) {
    this.#fs = fs;
    this.#fd = fd;
    this.#path = path;
    this.fileBytes = fileBytes;
    this.#chunkBytes = chunkBytes;
    this.#buffer = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(fileBytes, 64)));
  }

  /** Total bytes read from the file so far (for progress reports). */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** The one object view() returns, refilled by every call (a frame is checked per view). */
  #view: { bytes: Buffer; index: number } = { bytes: Buffer.alloc(0), index: 0 };

  /**
   * Returns a buffer and the index inside it where file offset `at` starts, with at least `n`
   * bytes available; undefined when the file ends before at + n. The returned object and the
   * buffer are reused by the next call: read what you need from them first.
   */
  view(at: number, n: number): { bytes: Buffer; index: number } | undefined {
    if (at + n > this.fileBytes) return undefined;
    if (at >= this.#windowStart && at + n <= this.#windowStart + this.#windowBytes) {
      return this.#at(at - this.#windowStart);
    }
    const want = Math.min(Math.max(n, this.#chunkBytes), this.fileBytes - at);
    if (this.#buffer.length < want) this.#buffer = Buffer.allocUnsafe(want);
    let got: number;
    try {
      got = readFully(this.#fs, this.#fd, this.#buffer, 0, want, at);
    } catch (error) {
      throw ioError('reading', this.#path, error);
    }
    this.#bytesRead += got;
    this.#windowStart = at;
    this.#windowBytes = got;
    if (got < n) return undefined;
    return this.#at(0);
  }

  #at(index: number): { bytes: Buffer; index: number } {
    this.#view.bytes = this.#buffer;
    this.#view.index = index;
    return this.#view;
  }
}
