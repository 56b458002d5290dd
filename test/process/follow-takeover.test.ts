// A follower beside a writer that dies (SIGKILL) or stops (SIGSTOP, so it is alive and may resume)
// while a second writer takes the log over: the new writer moves the last segment to a fresh
// file (same name, new inode; src/wal/wal-writer.ts) and appends there. Every follower, the
// library's follow() in this process and `exec-wal tail -f` as a real process, must yield every
// record of the final log exactly once, in order (the dead writer's and the new writer's), and
// must not keep the replaced file open.
//
// Children run from dist/: `make build` first. The takeover waits for the lock's stale window
// (lockStaleMs 2000, the minimum) or less, if the holder is known dead; nothing here depends on
// how long it takes: the new writer retries its open until it gets the lock.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/journal/history-filter.js';
import { WalStore } from '../../src/store/wal-store.js';
import { segmentNames } from '../support/byte-poke.js';
import { type Child, killChildren, spawnChild } from '../support/child-process.js';
import { repoRoot } from '../support/cli-run.js';
import { withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterEach(killChildren);
afterAll(removeTempDirs);

const spawned: ChildProcess[] = [];
afterEach(() => {
  for (const child of spawned.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function spawnWriter(dir: string, options: Record<string, unknown>): Child {
  return spawnChild('journal-writer', [dir, JSON.stringify(options)]);
}

const readyLsn = (child: Child) =>
  child.waitFor(
    'ready line',
    () => {
      const line = child.lines.find((l) => l.startsWith('ready '));
      return line === undefined ? undefined : Number(line.slice(6));
    },
    30_000,
  );

const acked = (child: Child) =>
  child.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4)));

/** Polls `check` every 10 ms until it holds; rejects with `what` after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** follow() from lsn 1 in the background, until stop() (or a 60 s cap, so nothing hangs). */
function follower(store: WalStore) {
  const controller = new AbortController();
  const cap = setTimeout(() => controller.abort(), 60_000);
  const entries: HistoryEntry[] = [];
  const done = (async () => {
    try {
      for await (const entry of store.follow({ fromLsn: 1, signal: controller.signal, pollMs: 5 }))
        entries.push(entry);
    } finally {
      clearTimeout(cap);
    }
  })();
  return { entries, done, stop: () => controller.abort() };
}

/** `exec-wal tail <dir> -f --after-lsn 0 -o jsonl` as a real process; its stdout lines. */
function tailProcess(dir: string) {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'exec-wal.js'), 'tail', dir, '-f', '--after-lsn', '0', '-o', 'jsonl'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  spawned.push(child);
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, lines, exited, stderr: () => stderr };
}

/** Descriptors of process `pid` open on a file of `dir` that was deleted or replaced. */
function deletedFilesOpen(pid: number | 'self', dir: string): string[] {
  const fdDir = `/proc/${pid}/fd`;
  const targets: string[] = [];
  for (const fd of readdirSync(fdDir)) {
    try {
      targets.push(readlinkSync(join(fdDir, fd)));
    } catch {
      // Closed between the listing and the readlink.
    }
  }
  return targets.filter((t) => t.startsWith(dir) && t.endsWith(' (deleted)'));
}

const inodeOfLast = (dir: string) => statSync(join(dir, segmentNames(dir).at(-1)!)).ino;

describe('following across a crash takeover', () => {
  for (const how of ['SIGKILL', 'SIGSTOP'] as const) {
    it(`follow() and \`exec-wal tail -f\` yield every record once, in order, after a writer's ${how} and a takeover`, async () => {
      await withSeed(`follow takeover ${how}`, async (_random, seed) => {
        const dir = tempDir('follow-takeover');
        const first = spawnWriter(dir, {
          seed,
          count: 1_000_000,
          maxSegmentBytes: 1 << 20,
          completionsOnly: true,
          durability: 'fsync',
          lockStaleMs: 2000,
        });
        expect(await readyLsn(first)).toBe(1);
        const reader = await WalStore.open(dir, { readOnly: true });
        const inProcess = follower(reader);
        const cli = tailProcess(dir);
        try {
          // Both followers are reading the first writer's segment when it goes.
          await until(
            'records followed before the kill',
            () => inProcess.entries.length >= 200 && cli.lines.length >= 200,
          );
          const inodeBefore = inodeOfLast(dir);
          first.signal(how);
          if (how === 'SIGKILL') await first.exited;

          const second = spawnWriter(dir, {
            seed: (seed ^ 0x9e3779b9) >>> 0,
            count: 300,
            maxSegmentBytes: 1 << 20,
            completionsOnly: true,
            durability: 'fsync',
            lockStaleMs: 2000,
            retryLockedMs: 30_000,
          });
          const secondBase = await readyLsn(second);
          // A holder that may resume always gets its segment moved away from under it.
          if (how === 'SIGSTOP') expect(inodeOfLast(dir)).not.toBe(inodeBefore);
          expect((await second.exited).code, second.describe()).toBe(0);
          expect(second.lines.at(-1)).toBe(`done ${secondBase + 299}`);

          // The oracle: the log as it is now, read afresh.
          const check = await WalStore.open(dir, { readOnly: true });
          const final: HistoryEntry[] = [];
          try {
            for await (const entry of check.history()) final.push(entry);
          } finally {
            await check.close();
          }
          const lastLsn = secondBase + 299;
          expect(final.map((e) => e.lsn)).toEqual(Array.from({ length: lastLsn }, (_, i) => i + 1));
          const finalLsns = new Set(final.map((e) => e.lsn));
          expect(acked(first).every((lsn) => finalLsns.has(lsn))).toBe(true);
          expect(acked(second)).toEqual(Array.from({ length: 300 }, (_, i) => secondBase + i));

          await until(
            `follow() reaching lsn ${lastLsn}`,
            () => (inProcess.entries.at(-1)?.lsn ?? 0) >= lastLsn,
          ).catch(() => undefined); // the comparison below shows what arrived
          expect(deletedFilesOpen('self', dir), 'replaced files still open here').toEqual([]);
          inProcess.stop();
          await inProcess.done;
          expect(inProcess.entries).toEqual(final);

          await until(`tail -f printing lsn ${lastLsn}`, () => cli.lines.length >= lastLsn).catch(
            () => undefined,
          );
          expect(deletedFilesOpen(cli.child.pid!, dir), 'replaced files open in tail -f').toEqual(
            [],
          );
          cli.child.kill('SIGINT');
          expect(await cli.exited, cli.stderr()).toBe(0);
          const printed = cli.lines.map((l) => (JSON.parse(l) as { lsn: number }).lsn);
          expect(printed).toEqual(final.map((e) => e.lsn));
        } finally {
          inProcess.stop();
          await inProcess.done.catch(() => undefined);
          await reader.close();
          if (how === 'SIGSTOP') await first.kill();
        }
      });
    });
  }
});
