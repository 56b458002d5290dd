// A FileSystem that simulates power loss (reliability plan #3 and #14). It delegates every call to
// real files under `root` (nodeFileSystem), so the engine sees a normal disk, and it keeps a
// model of what that disk would still hold if power failed right now. `crashState(random, kind)`
// writes one such possible disk into a NEW directory, which a test then reopens with the real
// file system. Like SQLite's crash tests and LevelDB's FaultInjectionTestEnv, it simulates the OS
// and the disk, not the process.
//
// The disk model:
//
// - File contents. A file's *durable* content is its bytes as of the start of the last fdatasync
//   that completed (a copy is taken when the call starts and becomes durable when it resolves;
//   writes made while a sync is in flight are not covered). Writes and truncates since then are
//   *pending*, kept in order. A file that exists when the CrashFs is made is durable as it is.
// - Directory entries. Creating a file (open 'createExclusive'), mkdir, rename and unlink change
//   a directory's entries; those changes are durable only once syncDir of that directory ran.
//   Until then they are pending, in order. A file's data and its directory entry are independent:
//   a file created and fdatasync'd whose entry was never synced is lost whole; a file whose
//   entry was synced but whose data was not is there, with its durable (maybe empty) content.
// - fdatasync and syncDir of modelled files do not call the real fsync (the real files are only
//   the engine's view; durability is this model's). fdatasync resolves after one setImmediate,
//   so a seeded workload takes the same path every run, and, like the real call run on the
//   thread pool, it fails with EBADF when its descriptor was closed meanwhile.
//
// What the disk may hold after a power loss, by kind:
//
// | kind            | directory entries                   | file contents                            |
// |-----------------|-------------------------------------|------------------------------------------|
// | `drop-unsynced` | durable (pending changes undone)    | durable                                  |
// | `random-prefix` | as now                              | durable + a random prefix of the pending |
// |                 |                                     | ops, the last write cut at a random byte |
// | `pieces`        | as now                              | from the first changed byte on, each     |
// |                 |                                     | 4 KiB page (aligned to the file offset)  |
// |                 |                                     | independently new (40%), old (20%),      |
// |                 |                                     | zeros (20%) or random garbage (20%); the |
// |                 |                                     | size as now (after an unsynced truncate: |
// |                 |                                     | either size)                             |
// | `undo-dir-ops`  | durable                             | as now; a file unlinked (or renamed      |
// |                 |                                     | over) and restored: durable              |
// | `mixed`         | per directory a random prefix or a  | per file one of: durable, random prefix, |
// |                 | random subset of the pending changes| pieces, as now                           |
//
// Simplifications:
// - Durable bytes are never damaged ("powersafe overwrite": a sector is written whole or not at
//   all, and the write-back of a page leaves its durable bytes as they were). Media damage to
//   durable data is the bit-rot suites' business, not this one's.
// - Only appends and truncates (and writes over a truncated region) are modelled; the engine
//   never overwrites durable bytes in place.
// - Within a file, `random-prefix` keeps pending ops in order; `pieces` drops that order (a
//   later page kept, an earlier one lost), as a real write-back may.
// - Pending directory changes persist all or none, except in `mixed`, where any prefix or any
//   subset may (harsher than a journaling file system, which commits them in order; a rename
//   may then persist without the create it depends on: the target name holds the file).
// - Only what goes through this seam is modelled, and of that not the writer lock (`writer.lock/`,
//   its break markers, a lock being removed): its calls go to the real files but it is never in
//   a crash state. After a real power loss the lock belongs to another boot, which only delays
//   an open by the stale window; these tests reopen at once, in the process that made the lock.
// - Modification times (utimes) are not modelled.
// - Renames across directories are not modelled (the engine renames within one directory only).
// - Crash states are written under /dev/shm when it exists (thousands of small trees cost more
//   on a real disk than the checks that read them; a reopen does not depend on the file system).
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import {
  type FileStat,
  type FileSystem,
  nodeFileSystem,
  type OpenMode,
} from '../../src/wal/file-system.js';
import { LOCK_DIR_NAME } from '../../src/wal/writer-lock.js';
import { randomBytesFrom, randomInt } from './random.js';

export const crashKinds = [
  'drop-unsynced',
  'random-prefix',
  'pieces',
  'undo-dir-ops',
  'mixed',
] as const;
export type CrashKind = (typeof crashKinds)[number];

/** What just happened through the seam; `onEvent` sees it after the change is made. */
export type CrashFsEvent =
  | { op: 'create' | 'mkdir' | 'unlink' | 'sync-dir'; path: string }
  | { op: 'write'; path: string; position: number; bytes: Buffer }
  | { op: 'truncate'; path: string; length: number }
  | { op: 'sync-start' | 'sync-done'; path: string }
  | { op: 'rename'; path: string; to: string };

export interface CrashState {
  /** The new directory: a copy of `root` as the disk could hold it after the power loss. */
  root: string;
  kind: CrashKind;
  /** One line per file or directory that differs from the engine's view, for failure messages. */
  changes: string[];
  /** Durable length of each file in the state, by path relative to the root ('log/x.wal'). */
  durableBytes: Map<string, number>;
}

export const PAGE_BYTES = 4096;

/** Where crash states go: tmpfs when there is one (see the top of this file). */
const crashStateParent = nodeFs.existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

type FileOp =
  | { kind: 'write'; seq: number; position: number; bytes: Buffer }
  | { kind: 'truncate'; seq: number; length: number };

type DirOp =
  | { kind: 'link'; name: string; id: number }
  | { kind: 'rename'; from: string; to: string; id: number }
  | { kind: 'unlink'; name: string; id: number };

interface FileNode {
  kind: 'file';
  id: number;
  /** The engine's view: bytes [0, size) of `content` (capacity may be larger). */
  content: Buffer;
  size: number;
  durable: Buffer;
  /** Sequence number of the last op the durable content includes. */
  durableSeq: number;
  seq: number;
  pending: FileOp[];
}

interface DirNode {
  kind: 'dir';
  id: number;
  entries: Map<string, number>;
  durableEntries: Map<string, number>;
  pending: DirOp[];
}

type Node = FileNode | DirNode;
type ContentKind = 'durable' | 'prefix' | 'pieces' | 'now';

export class CrashFs implements FileSystem {
  readonly root: string;
  /** Called synchronously after every change (and at the start and end of each fdatasync). */
  onEvent: ((event: CrashFsEvent) => void) | undefined;
  #nodes = new Map<number, Node>();
  #nextId = 1;
  /** Open descriptors, and the file node of each one that is modelled. */
  #open = new Set<number>();
  #fds = new Map<number, number>();
  #inner: FileSystem;

  constructor(root: string, inner: FileSystem = nodeFileSystem) {
    this.root = resolve(root);
    this.#inner = inner;
    this.#nodes.set(0, this.#scanDir(0, this.root));
  }

  // --- FileSystem -------------------------------------------------------------------------

  open(path: string, mode: OpenMode): number {
    const fd = this.#inner.open(path, mode);
    this.#open.add(fd);
    const at = this.#locate(path);
    if (!at) return fd;
    if (mode === 'createExclusive') {
      const node = this.#newFile(Buffer.alloc(0), true);
      this.#link(at.parent, at.name, node.id);
      this.#fds.set(fd, node.id);
      this.#emit({ op: 'create', path });
    } else {
      const id = at.parent.entries.get(at.name);
      if (id !== undefined) this.#fds.set(fd, id);
      else if (mode !== 'read') throw untracked(path);
    }
    return fd;
  }

  close(fd: number): void {
    this.#open.delete(fd);
    this.#fds.delete(fd);
    this.#inner.close(fd);
  }

  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    return this.#inner.read(fd, buffer, offset, length, position);
  }

  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const n = this.#inner.write(fd, buffer, offset, length, position);
    const node = this.#fileOf(fd);
    if (node && n > 0) {
      const bytes = Buffer.from(buffer.subarray(offset, offset + n));
      applyOp(node, { kind: 'write', seq: ++node.seq, position, bytes });
      node.pending.push({ kind: 'write', seq: node.seq, position, bytes });
      this.#emit({ op: 'write', path: this.#pathOf(node.id), position, bytes });
    }
    return n;
  }

  async fdatasync(fd: number): Promise<void> {
    const node = this.#fileOf(fd);
    if (!node) return this.#inner.fdatasync(fd);
    const snapshot = Buffer.from(node.content.subarray(0, node.size));
    const seq = node.seq;
    const path = this.#pathOf(node.id);
    this.#emit({ op: 'sync-start', path });
    await new Promise((resolve) => setImmediate(resolve));
    // Like the real call, which runs on the thread pool after a close made meanwhile.
    if (!this.#open.has(fd) || this.#fds.get(fd) !== node.id) {
      throw Object.assign(new Error('EBADF: bad file descriptor, fdatasync'), {
        code: 'EBADF',
        syscall: 'fdatasync',
      });
    }
    if (seq > node.durableSeq) {
      node.durable = snapshot;
      node.durableSeq = seq;
      node.pending = node.pending.filter((op) => op.seq > seq);
    }
    this.#emit({ op: 'sync-done', path });
  }

  truncate(fd: number, length: number): void {
    this.#inner.truncate(fd, length);
    const node = this.#fileOf(fd);
    if (node) {
      const op: FileOp = { kind: 'truncate', seq: ++node.seq, length };
      applyOp(node, op);
      node.pending.push(op);
      this.#emit({ op: 'truncate', path: this.#pathOf(node.id), length });
    }
  }

  size(fd: number): number {
    return this.#inner.size(fd);
  }

  fstat(fd: number): FileStat {
    return this.#inner.fstat(fd);
  }

  syncDir(path: string): void {
    const at = this.#locate(path, true);
    const node = at && this.#nodes.get(at.id ?? -1);
    if (node?.kind !== 'dir') return;
    node.durableEntries = new Map(node.entries);
    node.pending = [];
    this.#collect();
    this.#emit({ op: 'sync-dir', path });
  }

  rename(from: string, to: string): void {
    this.#inner.rename(from, to);
    const a = this.#locate(from);
    const b = this.#locate(to);
    if (!a || !b) return;
    if (a.parent !== b.parent) throw new Error(`CrashFs: rename across directories: ${from}`);
    const id = a.parent.entries.get(a.name);
    if (id === undefined) throw untracked(from);
    a.parent.entries.delete(a.name);
    a.parent.entries.set(b.name, id);
    a.parent.pending.push({ kind: 'rename', from: a.name, to: b.name, id });
    this.#emit({ op: 'rename', path: from, to });
  }

  unlink(path: string): void {
    this.#inner.unlink(path);
    const at = this.#locate(path);
    const id = at?.parent.entries.get(at.name);
    if (!at || id === undefined) return;
    at.parent.entries.delete(at.name);
    at.parent.pending.push({ kind: 'unlink', name: at.name, id });
    this.#emit({ op: 'unlink', path });
  }

  readdir(path: string): string[] {
    return this.#inner.readdir(path);
  }

  mkdir(path: string): void {
    this.#inner.mkdir(path);
    const at = this.#locate(path);
    if (!at) return;
    const node: DirNode = {
      kind: 'dir',
      id: this.#nextId++,
      entries: new Map(),
      durableEntries: new Map(),
      pending: [],
    };
    this.#nodes.set(node.id, node);
    this.#link(at.parent, at.name, node.id);
    this.#emit({ op: 'mkdir', path });
  }

  rmdir(path: string): void {
    this.#inner.rmdir(path);
    const at = this.#locate(path);
    const id = at?.parent.entries.get(at.name);
    if (!at || id === undefined) return;
    at.parent.entries.delete(at.name);
    at.parent.pending.push({ kind: 'unlink', name: at.name, id });
    this.#emit({ op: 'unlink', path });
  }

  exists(path: string): boolean {
    return this.#inner.exists(path);
  }

  stat(path: string): FileStat {
    return this.#inner.stat(path);
  }

  sameFile(fd: number, path: string): boolean {
    return this.#inner.sameFile(fd, path);
  }

  utimes(path: string, modifiedMs: number): void {
    this.#inner.utimes(path, modifiedMs);
  }

  // --- The model ----------------------------------------------------------------------------

  /** Bytes written but not yet covered by a completed fdatasync, over all files. */
  get unsyncedBytes(): number {
    let total = 0;
    for (const node of this.#nodes.values()) {
      if (node.kind === 'file')
        for (const op of node.pending) if (op.kind === 'write') total += op.bytes.length;
    }
    return total;
  }

  /** Directory changes not yet covered by a syncDir, over all directories. */
  get unsyncedDirOps(): number {
    let total = 0;
    for (const node of this.#nodes.values()) if (node.kind === 'dir') total += node.pending.length;
    return total;
  }

  /**
   * Writes into a new directory (or `into`, which must not exist) what the disk could hold after
   * a power loss now, per `kind` (see the table at the top of this file).
   */
  crashState(random: () => number, kind: CrashKind, into?: string): CrashState {
    const target = into ?? nodeFs.mkdtempSync(join(crashStateParent, 'crash-state-'));
    if (into) nodeFs.mkdirSync(into);
    const changes: string[] = [];
    const durableBytes = new Map<string, number>();
    const linkedNow = new Set<number>();
    for (const node of this.#nodes.values()) {
      if (node.kind === 'dir') for (const id of node.entries.values()) linkedNow.add(id);
    }
    const writeDir = (node: DirNode, path: string, rel: string) => {
      for (const [name, id] of this.#entriesAfterCrash(node, kind, random, rel, changes)) {
        const child = this.#nodes.get(id)!;
        const childRel = rel ? `${rel}/${name}` : name;
        if (child.kind === 'dir') {
          nodeFs.mkdirSync(join(path, name));
          writeDir(child, join(path, name), childRel);
          continue;
        }
        const contentKind = linkedNow.has(id) ? contentKindFor(kind, random) : 'durable';
        durableBytes.set(childRel, child.durable.length);
        const bytes = contentAfterCrash(child, contentKind, random, childRel, changes);
        nodeFs.writeFileSync(join(path, name), bytes);
      }
    };
    writeDir(this.#nodes.get(0) as DirNode, target, '');
    return { root: target, kind, changes, durableBytes };
  }

  /** `path` under `root` mapped into a crash state's directory. */
  pathIn(state: CrashState, path: string): string {
    return join(state.root, relative(this.root, resolve(path)));
  }

  #entriesAfterCrash(
    node: DirNode,
    kind: CrashKind,
    random: () => number,
    rel: string,
    changes: string[],
  ): Map<string, number> {
    if (node.pending.length === 0) return node.entries;
    let kept: DirOp[];
    if (kind === 'random-prefix' || kind === 'pieces') kept = node.pending;
    else if (kind === 'drop-unsynced' || kind === 'undo-dir-ops') kept = [];
    else if (random() < 0.5)
      kept = node.pending.slice(0, randomInt(random, 0, node.pending.length));
    else kept = node.pending.filter(() => random() < 0.5);
    if (kept.length === node.pending.length) return node.entries;
    const entries = new Map(node.durableEntries);
    for (const op of kept) {
      if (op.kind === 'link') entries.set(op.name, op.id);
      else if (op.kind === 'unlink') {
        if (entries.get(op.name) === op.id) entries.delete(op.name);
      } else {
        if (entries.get(op.from) === op.id) entries.delete(op.from);
        entries.set(op.to, op.id);
      }
    }
    const undone = node.pending.filter((op) => !kept.includes(op)).map(describeDirOp);
    changes.push(`${rel || '.'}/: undone ${undone.join(', ')}`);
    return entries;
  }

  #scanDir(id: number, path: string): DirNode {
    const node: DirNode = {
      kind: 'dir',
      id,
      entries: new Map(),
      durableEntries: new Map(),
      pending: [],
    };
    for (const entry of nodeFs.readdirSync(path, { withFileTypes: true })) {
      if (isLockName(entry.name)) continue;
      const child = join(path, entry.name);
      let childId: number;
      if (entry.isDirectory()) {
        childId = this.#nextId++;
        this.#nodes.set(childId, this.#scanDir(childId, child));
      } else if (entry.isFile()) {
        childId = this.#newFile(nodeFs.readFileSync(child), false).id;
      } else continue;
      node.entries.set(entry.name, childId);
      node.durableEntries.set(entry.name, childId);
    }
    return node;
  }

  #newFile(content: Buffer, fresh: boolean): FileNode {
    const node: FileNode = {
      kind: 'file',
      id: this.#nextId++,
      content: Buffer.from(content),
      size: content.length,
      durable: fresh ? Buffer.alloc(0) : Buffer.from(content),
      durableSeq: 0,
      seq: 0,
      pending: [],
    };
    this.#nodes.set(node.id, node);
    return node;
  }

  #link(parent: DirNode, name: string, id: number): void {
    parent.entries.set(name, id);
    parent.pending.push({ kind: 'link', name, id });
  }

  /** The directory node holding `path` and its last name; undefined outside the tracked tree. */
  #locate(path: string, self = false): { parent: DirNode; name: string; id?: number } | undefined {
    const rel = relative(this.root, resolve(path));
    if (rel === '' && self) return { parent: this.#nodes.get(0) as DirNode, name: '', id: 0 };
    if (rel === '' || rel.startsWith('..')) return undefined;
    const parts = rel.split(sep);
    if (parts.some(isLockName)) return undefined;
    let dir = this.#nodes.get(0) as DirNode;
    for (const part of parts.slice(0, -1)) {
      const next = this.#nodes.get(dir.entries.get(part) ?? -1);
      if (next?.kind !== 'dir') return undefined;
      dir = next;
    }
    const name = parts.at(-1)!;
    return { parent: dir, name, id: dir.entries.get(name) };
  }

  #fileOf(fd: number): FileNode | undefined {
    const node = this.#nodes.get(this.#fds.get(fd) ?? -1);
    return node?.kind === 'file' ? node : undefined;
  }

  #pathOf(id: number): string {
    const walk = (dir: DirNode, path: string): string | undefined => {
      for (const [name, child] of dir.entries) {
        if (child === id) return join(path, name);
        const node = this.#nodes.get(child);
        if (node?.kind === 'dir') {
          const found = walk(node, join(path, name));
          if (found) return found;
        }
      }
      return undefined;
    };
    return walk(this.#nodes.get(0) as DirNode, this.root) ?? `(unlinked file #${id})`;
  }

  /** Forgets files no directory names (now or durably) and no descriptor holds. */
  #collect(): void {
    const live = new Set<number>([0, ...this.#fds.values()]);
    for (const node of this.#nodes.values()) {
      if (node.kind !== 'dir') continue;
      for (const id of node.entries.values()) live.add(id);
      for (const id of node.durableEntries.values()) live.add(id);
      for (const op of node.pending) live.add(op.id);
    }
    for (const id of this.#nodes.keys()) if (!live.has(id)) this.#nodes.delete(id);
  }

  /** A test's onEvent must not fail the engine's call: its first error is kept here instead. */
  eventError: unknown;

  #emit(event: CrashFsEvent): void {
    try {
      this.onEvent?.(event);
    } catch (error) {
      this.eventError ??= error;
    }
  }
}

/** The writer lock, its break markers and a lock being removed: not modelled (see the top). */
function isLockName(name: string): boolean {
  return name.startsWith(LOCK_DIR_NAME);
}

function untracked(path: string): Error {
  return new Error(`CrashFs: ${path} was not made through this file system; cannot model it`);
}

function describeDirOp(op: DirOp): string {
  if (op.kind === 'link') return `create ${op.name}`;
  if (op.kind === 'unlink') return `unlink ${op.name}`;
  return `rename ${op.from} -> ${op.to}`;
}

function contentKindFor(kind: CrashKind, random: () => number): ContentKind {
  switch (kind) {
    case 'drop-unsynced':
      return 'durable';
    case 'random-prefix':
      return 'prefix';
    case 'pieces':
      return 'pieces';
    case 'undo-dir-ops':
      return 'now';
    case 'mixed':
      return (['durable', 'prefix', 'pieces', 'now'] as const)[randomInt(random, 0, 3)]!;
  }
}

/** Applies one write or truncate to the engine's view of `node`. */
function applyOp(node: { content: Buffer; size: number }, op: FileOp): void {
  if (op.kind === 'truncate') {
    if (op.length > node.content.length) grow(node, op.length);
    if (op.length > node.size) node.content.fill(0, node.size, op.length);
    node.size = op.length;
    return;
  }
  const end = op.position + op.bytes.length;
  if (end > node.content.length) grow(node, end);
  if (op.position > node.size) node.content.fill(0, node.size, op.position);
  op.bytes.copy(node.content, op.position);
  node.size = Math.max(node.size, end);
}

function grow(node: { content: Buffer; size: number }, atLeast: number): void {
  const bigger = Buffer.alloc(Math.max(atLeast, node.content.length * 2, 4096));
  node.content.copy(bigger, 0, 0, node.size);
  node.content = bigger;
}

function contentAfterCrash(
  node: FileNode,
  kind: ContentKind,
  random: () => number,
  rel: string,
  changes: string[],
): Buffer {
  const now = node.content.subarray(0, node.size);
  if (node.pending.length === 0) return node.durable;
  const what = `${rel}: durable ${node.durable.length} B, now ${now.length} B`;
  if (kind === 'now') return now;
  if (kind === 'durable') {
    changes.push(`${what}: kept the durable content`);
    return node.durable;
  }
  if (kind === 'prefix') {
    const view = { content: Buffer.from(node.durable), size: node.durable.length };
    const count = randomInt(random, 0, node.pending.length);
    for (const op of node.pending.slice(0, count)) applyOp(view, op);
    const torn = node.pending[count];
    let cut = '';
    if (torn?.kind === 'write') {
      const keep = randomInt(random, 0, torn.bytes.length);
      applyOp(view, { ...torn, bytes: torn.bytes.subarray(0, keep) });
      cut = `, then ${keep} of the next write's ${torn.bytes.length} B at ${torn.position}`;
    }
    changes.push(
      `${what}: kept ${count} of ${node.pending.length} pending ops${cut} (${view.size} B)`,
    );
    return view.content.subarray(0, view.size);
  }
  // pieces
  const old = node.durable;
  let same = 0;
  const common = Math.min(old.length, now.length);
  while (same < common && old[same] === now[same]) same++;
  const length = now.length >= old.length || random() < 0.5 ? now.length : old.length;
  const out = Buffer.alloc(length);
  now.copy(out, 0, 0, Math.min(same, length));
  const picks: string[] = [];
  for (let page = Math.floor(same / PAGE_BYTES) * PAGE_BYTES; page < length; page += PAGE_BYTES) {
    const from = Math.max(page, same);
    const to = Math.min(page + PAGE_BYTES, length);
    const roll = random();
    if (roll < 0.4) {
      if (from < now.length) now.copy(out, from, from, Math.min(to, now.length));
      picks.push('N');
    } else if (roll < 0.6) {
      if (from < old.length) old.copy(out, from, from, Math.min(to, old.length));
      picks.push('O');
    } else if (roll < 0.8) {
      picks.push('Z');
    } else {
      randomBytesFrom(random, to - from).copy(out, from);
      picks.push('G');
    }
  }
  changes.push(
    `${what}: ${length} B, pages from ${Math.floor(same / PAGE_BYTES) * PAGE_BYTES} ` +
      `(N new, O old, Z zeros, G garbage): ${picks.join('')}`,
  );
  return out;
}
