// What the reading commands say about a damaged journal (issue 12 §4, §7): a torn tail is a
// warning on stderr while the answer still comes and the exit stays 0; damage read past with
// --recovery salvage is a warning too; damage refused is exit 3 with the place, for `info` and
// for `compact --dry-run` exactly as for `verify`. Counts are in the right number.
import { cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WalStore } from '../../src/index.js';
import { repoRoot, runCli } from '../support/cli-run.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

let journal: string;
beforeAll(async () => {
  journal = join(tempDir('damage'), 'journal');
  const store = await WalStore.open(journal, { maxSegmentBytes: 4096 });
  for (let i = 0; i < 60; i++) {
    await store.actionExecutionCompleted(`action-${i % 3}`, {
      success: i % 5 !== 0,
      durationMs: 10 + i,
      ...(i % 5 === 0 ? { error: `boom ${i}` } : { output: `out ${i}` }),
    });
  }
  await store.cleanupExecuted('scanner', { resourceId: 'r', action: 'release', success: true });
  await store.actionExecutionStarted('action-0', { executionId: 'open-1' });
  await store.close();
});
afterAll(removeTempDirs);

function copy(name: string): string {
  const dir = join(tempDir(name), 'journal');
  cpSync(journal, dir, { recursive: true });
  return dir;
}

const segments = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.wal'))
    .sort();

const READERS = [
  ['stats'],
  ['recent'],
  ['cleanups'],
  ['inflight'],
  ['info'],
  ['tail'],
  ['export'],
  ['show', '1'],
];

describe('a torn tail', () => {
  it('every reading command answers, exits 0, and warns once on stderr', async () => {
    const dir = copy('torn');
    const last = join(dir, segments(dir).at(-1)!);
    truncateSync(last, readFileSync(last).length - 7);
    for (const [command, ...rest] of READERS) {
      const result = await runCli([command!, dir, ...rest]);
      expect(result.code, `${command}: ${result.stderr}`).toBe(0);
      expect(result.stdout.length, command).toBeGreaterThan(0);
      const lines = result.stderr.split('\n').filter(Boolean);
      expect(lines, command).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^exec-wal: warning: .* ends in a torn tail \(a crash artefact\): \d+ bytes after lsn \d+ in [0-9a-f]{16}\.wal at offset \d+ \(.+\) are not read; the next writer cuts them$/,
      );
    }
    const dry = await runCli(['compact', dir, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^dry run: would first cut a torn tail of \d+ bytes from /m);
  });

  it('a clean journal gives no warning', async () => {
    for (const [command, ...rest] of READERS) {
      const result = await runCli([command!, journal, ...rest]);
      expect(result.code).toBe(0);
      expect(result.stderr, command).toBe('');
    }
  });
});

describe('damage in the middle', () => {
  function corrupt(): string {
    const dir = copy('corrupt');
    const first = join(dir, segments(dir)[0]!);
    const bytes = readFileSync(first);
    bytes[1000] = bytes[1000]! ^ 0x40;
    writeFileSync(first, bytes);
    return dir;
  }

  it('is refused with exit 3 and its place by every reading command, info and compact --dry-run', async () => {
    const dir = corrupt();
    for (const [command, ...rest] of [...READERS, ['compact', '--dry-run']]) {
      const result = await runCli([command!, dir, ...rest]);
      expect(result.code, `${command}: ${result.stdout}${result.stderr}`).toBe(3);
      expect(result.stdout, command).toBe('');
      expect(result.stderr).toMatch(
        /^exec-wal: checksum mismatch in 0000000000000001\.wal at offset \d+ \(expected lsn \d+\); run `exec-wal verify .*`\n$/,
      );
    }
    expect((await runCli(['verify', dir])).code).toBe(3);
  });

  it('--recovery salvage reads past it and says so on stderr', async () => {
    const dir = corrupt();
    for (const command of ['stats', 'recent', 'info']) {
      const result = await runCli([command, dir, '--recovery', 'salvage']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(
        /^exec-wal: warning: 1 damaged range \(\d+ bytes\) not read \(--recovery salvage\), the first in 0000000000000001\.wal at offset \d+; `exec-wal verify .*` lists them\n$/,
      );
    }
  });

  it('the committed corrupt fixtures: compact --dry-run fails exactly where verify does', async () => {
    for (const name of ['bad-checksum-sealed', 'sequence-gap', 'frame-gap']) {
      const dir = join(tempDir(name), name);
      cpSync(join(repoRoot, 'fixtures', 'v2', name), dir, { recursive: true });
      const verify = await runCli(['verify', dir]);
      const dry = await runCli(['compact', dir, '--dry-run', '--keep-segments', '1']);
      expect(verify.code, name).toBe(3);
      expect(dry.code, `${name}: ${dry.stdout}`).toBe(3);
      const segment = /^FAIL (\S+) /m.exec(verify.stdout)![1]!;
      expect(dry.stderr).toContain(` in ${segment} at offset `);
    }
  });
});

describe('counts are in the right number', () => {
  it('1 segment, 1 action, 1 record', async () => {
    const dir = join(tempDir('one'), 'journal');
    const store = await WalStore.open(dir);
    await store.actionExecutionCompleted('only', { success: true, durationMs: 1 });
    await store.close();
    expect((await runCli(['verify', dir])).stdout).toMatch(
      /^OK: 1 segment, 1 record \(lsn 1-1\)$/m,
    );
    expect((await runCli(['stats', dir])).stdout).toMatch(/\(1 action, through lsn 1\)/);
    expect((await runCli(['compact', dir, '--dry-run'])).stdout).toMatch(/0 of 1 segment,/);
    expect((await runCli(['verify', journal])).stdout).toMatch(/^OK: \d+ segments, \d+ records/m);
  });
});
