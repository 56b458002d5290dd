// Every public library entry point over every file-system condition a new user hits (issue 12
// §2): the journal path missing, a regular file instead of a directory, a directory without
// read permission, one without write permission (for the entry points that write), a segment
// without read permission. `walkEntryPoints` runs them all and reports, per pair, 'ok' or the
// shape of the error, for test/reliability/raw-errno.test.ts to judge; it runs in that test's
// process and in a child (children/errno-walk.ts) started as an unprivileged user.
//
// Permissions are denied for real with chmod ('chmod'), or, where chmod denies nothing (root),
// through the seam ('seam'): FaultyFileSystem fails with EACCES exactly the calls the kernel
// would refuse (listing and opening in an unreadable directory; creating, renaming, unlinking in
// an unwritable one; opening an unreadable segment). The missing path and the file are real in
// both modes.
import { appendFileSync, chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WalError, WalIoError } from '../../src/errors.js';
import { WalStore } from '../../src/store/wal-store.js';
import type { FileSystem } from '../../src/wal/file-system.js';
import { followLog } from '../../src/wal/log-follower.js';
import { planRepair, repairLog } from '../../src/wal/log-repair.js';
import { iterateLog, replayLog } from '../../src/wal/log-replay.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { segmentNames } from './byte-poke.js';
import { FaultyFileSystem } from './faulty-fs.js';

export const conditions = [
  'missing path',
  'file instead of directory',
  'directory without read permission',
  'directory without write permission',
  'segment without read permission',
] as const;
export type Condition = (typeof conditions)[number];
export type Denial = 'chmod' | 'seam';

/** What an entry point threw, as data (it crosses a process boundary as JSON). */
export interface ErrorShape {
  className: string;
  code: string | undefined;
  message: string;
  isWalError: boolean;
  hasCause: boolean;
  path?: string;
  operation?: string;
  errno?: string;
}

export interface Outcome {
  entry: string;
  condition: Condition;
  /** The journal path the entry point was given. */
  journal: string;
  result: 'ok' | ErrorShape;
}

interface Context {
  path: string;
  fs: FileSystem;
}

interface Entry {
  name: string;
  /** Writes to the journal: the unwritable directory applies to it. */
  writes: boolean;
  /**
   * 'before': the condition is there when the entry point is called (it opens the journal);
   * 'after': a store is opened on the healthy journal first, then the condition appears.
   */
  when: 'before' | 'after';
  run(context: Context): Promise<void>;
}

const FOLLOW_MS = 1500;

const entries: Entry[] = [
  {
    name: 'WalStore.open (writer), then record, checkpoint, close',
    writes: true,
    when: 'before',
    run: async ({ path, fs }) => {
      const store = await WalStore.open(path, { fs, checkpointEveryBytes: 0 });
      try {
        await store.actionExecutionCompleted('walk', { status: 'succeeded', durationMs: 1 });
        await store.checkpoint();
      } finally {
        await store.close();
      }
    },
  },
  {
    name: 'WalStore.open (read-only)',
    writes: false,
    when: 'before',
    run: async ({ path, fs }) => {
      await (await WalStore.open(path, { fs, readOnly: true })).close();
    },
  },
  {
    name: 'WalStore.history',
    writes: false,
    when: 'after',
    run: async ({ path, fs }) => {
      await withStore(path, fs, true, async (store) => {
        for await (const _ of store.history());
      });
    },
  },
  {
    name: 'WalStore.follow',
    writes: false,
    when: 'after',
    run: async ({ path, fs }) => {
      await withStore(path, fs, true, async (store) => {
        const signal = AbortSignal.timeout(FOLLOW_MS);
        for await (const _ of store.follow({ fromLsn: 1, signal, pollMs: 10 }));
      });
    },
  },
  {
    name: 'WalStore.diskUsage',
    writes: false,
    when: 'after',
    run: async ({ path, fs }) => {
      await withStore(path, fs, true, async (store) => {
        store.diskUsage();
      });
    },
  },
  {
    name: 'WalStore.checkpoint',
    writes: true,
    when: 'after',
    run: async ({ path, fs }) => {
      await withStore(path, fs, false, async (store) => {
        await store.actionExecutionCompleted('walk', { status: 'succeeded', durationMs: 1 });
        await store.checkpoint();
      });
    },
  },
  {
    name: 'WalWriter.open, then append (rotating), close',
    writes: true,
    when: 'before',
    run: async ({ path, fs }) => {
      const writer = await WalWriter.open(path, { fs, maxSegmentBytes: 4096 });
      try {
        await writer.append([{ type: 200, value: 'r'.repeat(5000) }]);
      } finally {
        await writer.close();
      }
    },
  },
  {
    name: 'replayLog',
    writes: false,
    when: 'before',
    run: async ({ path, fs }) => {
      replayLog(path, { fs }, () => {});
    },
  },
  {
    name: 'iterateLog',
    writes: false,
    when: 'before',
    run: async ({ path, fs }) => {
      for (const _ of iterateLog(path, { fs }));
    },
  },
  {
    name: 'followLog',
    writes: false,
    when: 'before',
    run: async ({ path, fs }) => {
      const signal = AbortSignal.timeout(FOLLOW_MS);
      for await (const _ of followLog(path, { fs, signal, pollMs: 10 }));
    },
  },
  {
    name: 'planRepair',
    writes: false,
    when: 'before',
    run: async ({ path, fs }) => {
      planRepair(path, 'tail', fs);
    },
  },
  {
    name: 'repairLog',
    writes: true,
    when: 'before',
    run: async ({ path, fs }) => {
      await repairLog(path, 'tail', fs);
    },
  },
];

/** Opens a store on the healthy journal, applies the pending condition, runs `body`. */
let applyPending: (() => void) | undefined;
async function withStore(
  path: string,
  fs: FileSystem,
  readOnly: boolean,
  body: (store: WalStore) => Promise<void>,
): Promise<void> {
  const store = await WalStore.open(path, { fs, readOnly, checkpointEveryBytes: 0 });
  try {
    applyPending?.();
    await body(store);
  } finally {
    await store.close().catch(() => undefined);
  }
}

/**
 * A journal of 40 records in 4 KiB segments with a checkpoint, its last segment ending in a torn
 * tail: a writer's open must repair it (so it creates a backup file), a reader's tolerates it.
 */
async function makeJournal(path: string): Promise<void> {
  const store = await WalStore.open(path, { maxSegmentBytes: 4096, checkpointEveryBytes: 0 });
  for (let i = 0; i < 40; i++) {
    await store.actionExecutionCompleted(`action-${i % 3}`, {
      executionId: `e${i}`,
      status: 'succeeded',
      durationMs: i,
      output: 'x'.repeat(200),
    });
    if (i === 20) await store.checkpoint();
  }
  await store.close();
  appendFileSync(join(path, segmentNames(path).at(-1)!), Buffer.alloc(300, 0xee));
}

/** Puts `condition` on the journal at `path`; returns how to undo what needs undoing. */
function applyCondition(
  path: string,
  condition: Condition,
  denial: Denial,
  fs: FaultyFileSystem,
): () => void {
  const eacces = { error: 'EACCES', nth: 1, sticky: true } as const;
  const segment = join(path, segmentNames(path)[0]!);
  switch (condition) {
    case 'missing path':
      renameSync(path, `${path}.away`);
      return () => {};
    case 'file instead of directory':
      renameSync(path, `${path}.away`);
      writeFileSync(path, 'not a journal\n');
      return () => {};
    case 'directory without read permission':
      if (denial === 'chmod') {
        chmodSync(path, 0o000);
        return () => chmodSync(path, 0o755);
      }
      fs.addFault({ call: 'readdir', pathIncludes: path, ...eacces });
      fs.addFault({ call: 'open', pathIncludes: `${path}/`, ...eacces });
      fs.addFault({ call: 'stat', pathIncludes: `${path}/`, ...eacces });
      fs.addFault({ call: 'mkdir', pathIncludes: `${path}/`, ...eacces });
      return () => {};
    case 'directory without write permission':
      if (denial === 'chmod') {
        chmodSync(path, 0o555);
        return () => chmodSync(path, 0o755);
      }
      fs.addFault({
        call: 'open',
        pathIncludes: `${path}/`,
        openMode: 'createExclusive',
        ...eacces,
      });
      for (const call of ['mkdir', 'rename', 'unlink'] as const) {
        fs.addFault({ call, pathIncludes: `${path}/`, ...eacces });
      }
      return () => {};
    case 'segment without read permission':
      if (denial === 'chmod') {
        chmodSync(segment, 0o000);
        return () => chmodSync(segment, 0o644);
      }
      fs.addFault({ call: 'open', pathIncludes: segment, ...eacces });
      return () => {};
  }
}

export function shapeOf(error: unknown): ErrorShape {
  const shape: ErrorShape = {
    className: (error as Error)?.constructor?.name ?? typeof error,
    code: (error as { code?: string })?.code,
    message: error instanceof Error ? error.message : String(error),
    isWalError: error instanceof WalError,
    hasCause: (error as Error)?.cause !== undefined,
  };
  if (error instanceof WalIoError) {
    shape.path = error.path;
    shape.operation = error.operation;
    shape.errno = error.errno;
  }
  return shape;
}

/** Runs every entry point under every condition that applies to it, each on a fresh journal. */
export async function walkEntryPoints(root: string, denial: Denial): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let n = 0;
  for (const entry of entries) {
    for (const condition of conditions) {
      if (condition === 'directory without write permission' && !entry.writes) continue;
      const path = join(root, `journal-${n++}`);
      await makeJournal(path);
      const fs = new FaultyFileSystem();
      let undo = () => {};
      const apply = () => {
        undo = applyCondition(path, condition, denial, fs);
      };
      let result: Outcome['result'] = 'ok';
      try {
        if (entry.when === 'before') apply();
        else applyPending = apply;
        await entry.run({ path, fs });
      } catch (error) {
        result = shapeOf(error);
      } finally {
        applyPending = undefined;
        undo();
        rmSync(`${path}.away`, { recursive: true, force: true });
      }
      outcomes.push({ entry: entry.name, condition, journal: path, result });
    }
  }
  return outcomes;
}
