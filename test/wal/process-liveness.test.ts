// Whether a lock's holder still runs (src/wal/process-liveness.ts): /proc/<pid>/stat parsed after
// the LAST ')' (comm may hold spaces and parentheses), checked against a real process whose
// comm is hostile; gone, zombie and reused pids are dead; anything unprovable is unknown.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { LockHolder } from '../../src/errors.js';
import { nodeFileSystem } from '../../src/wal/file-system.js';
import { holderLiveness, ownIdentity, parseProcStat } from '../../src/wal/process-liveness.js';
import { FaultyFileSystem } from '../support/faulty-fs.js';
import { deadPid } from '../support/lock-fixtures.js';

const own = ownIdentity(nodeFileSystem);
const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

const HOSTILE_COMM = 'a) b (c) d';
/** Fields 3..52 of a real stat line after comm: state S, ppid 77, start time 12345 (field 22). */
const TAIL = `S 77 7 7 0 -1 4194560 ${'0 '.repeat(8)}20 0 1 0 12345 ${'0 '.repeat(29)}0`;

const holderOf = (pid: number, startTicks?: number): LockHolder => ({
  pid,
  hostname: 'here',
  sinceMs: 0,
  token: 'ab',
  hostId: own?.hostId,
  startTicks,
});

describe('parseProcStat', () => {
  it('takes comm up to the last parenthesis, whatever it holds', () => {
    for (const comm of [HOSTILE_COMM, ')', '(', ') S 1 2 (', 'plain', '']) {
      expect(parseProcStat(`4321 (${comm}) ${TAIL}\n`), comm).toEqual({
        pid: 4321,
        comm,
        state: 'S',
        ppid: 77,
        startTicks: 12345,
      });
    }
  });

  it('refuses a line without every field it uses, or with malformed ones', () => {
    for (const line of [
      '',
      '4321 comm S 77',
      '4321 (x) S 77',
      `x (y) ${TAIL}`,
      `4321 (y) ${TAIL.replace('12345', '12e45')}`,
      `4321 (y) ${TAIL.replace('S 77', 'SS 77')}`,
      `4321 (y) ${TAIL.replace('12345', '99999999999999999')}`,
    ]) {
      expect(parseProcStat(line), line).toBeUndefined();
    }
  });
});

describe.runIf(own !== undefined)('holderLiveness on Linux', () => {
  it("reads this process's identity: boot id and namespaces, and its own start time", () => {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNs = statSync('/proc/self/ns/pid', { bigint: true }).ino;
    expect(own!.hostId).toContain(bootId);
    expect(own!.hostId).toContain(`pid:${pidNs}`);
    expect(holderLiveness(nodeFileSystem, holderOf(process.pid, own!.startTicks), own)).toEqual({
      verdict: 'alive',
    });
  });

  it('parses a real process whose comm is hostile: alive, then reused, then gone', async () => {
    const child = spawn(
      process.execPath,
      ['-e', `process.title = ${JSON.stringify(HOSTILE_COMM)}; setInterval(() => {}, 1000)`],
      { stdio: 'ignore' },
    );
    children.push(child);
    const pid = child.pid!;
    const until = Date.now() + 10_000;
    while (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== HOSTILE_COMM) {
      if (Date.now() > until) throw new Error('the child never set its title');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    // A misaligned parse would not find our pid as its parent.
    expect(stat).toMatchObject({ pid, comm: HOSTILE_COMM, ppid: process.pid });
    expect(['R', 'S']).toContain(stat!.state);
    expect(stat!.startTicks).toBeGreaterThanOrEqual(own!.startTicks);
    const started = stat!.startTicks;
    expect(holderLiveness(nodeFileSystem, holderOf(pid, started), own)).toEqual({
      verdict: 'alive',
    });
    expect(holderLiveness(nodeFileSystem, holderOf(pid, started + 1), own)).toMatchObject({
      verdict: 'dead',
      why: expect.stringContaining('started later'),
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(holderLiveness(nodeFileSystem, holderOf(pid, started), own)).toMatchObject({
      verdict: 'dead',
      why: `pid ${pid} is gone`,
    });
  });

  it('proves nothing about a holder elsewhere, without a host id, or with no valid pid', () => {
    const holder = holderOf(deadPid(), 1);
    expect(holderLiveness(nodeFileSystem, { ...holder, hostId: 'elsewhere' }, own)).toEqual({
      verdict: 'elsewhere',
    });
    expect(holderLiveness(nodeFileSystem, { ...holder, hostId: undefined }, own).verdict).toBe(
      'unknown',
    );
    expect(holderLiveness(nodeFileSystem, holder, undefined).verdict).toBe('unknown');
    // 0 and negative pids name process groups for kill(): never probed.
    for (const pid of [0, -1, 1.5, Number.NaN]) {
      expect(holderLiveness(nodeFileSystem, { ...holder, pid }, own).verdict, `${pid}`).toBe(
        'unknown',
      );
    }
  });

  it('proves nothing when /proc cannot be read, or hides a running pid', () => {
    const unreadable = new FaultyFileSystem();
    unreadable.failPath('open', /^\/proc\/\d+\/stat$/, { error: 'EACCES' }, 1, true);
    expect(holderLiveness(unreadable, holderOf(deadPid(), 1), own)).toMatchObject({
      verdict: 'unknown',
      why: expect.stringContaining('EACCES'),
    });
    const hiding = new FaultyFileSystem();
    hiding.failPath('open', /^\/proc\/\d+\/stat$/, { error: 'ENOENT' }, 1, true);
    expect(holderLiveness(hiding, holderOf(process.pid, 1), own)).toMatchObject({
      verdict: 'unknown',
      why: expect.stringContaining('/proc hides it'),
    });
    const noProc = new FaultyFileSystem();
    noProc.failPath('open', /^\/proc\//, { error: 'ENOENT' }, 1, true);
    expect(ownIdentity(noProc)).toBeUndefined();
  });
});
