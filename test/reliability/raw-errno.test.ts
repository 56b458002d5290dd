// No raw errno ever reaches a user of the library (issue 12 §2): every public entry point
// (test/support/entry-walk.ts) over a missing path, a file instead of a directory, a directory
// without read permission, one without write permission (entry points that write) and a segment
// without read permission either works (a writer creates a missing journal) or throws a WalError
// subclass with a code, the journal's path in its message and the file-system error as `cause`.
//
// chmod denies nothing to root. As root, this process denies through the seam, and a child
// started as the unprivileged user `nobody` walks again with real chmod; as any other user, this
// process uses real chmod and the child is skipped (with the reason printed).
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { childScript } from '../support/child-process.js';
import { type Outcome, walkEntryPoints } from '../support/entry-walk.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** Entry points that may succeed under a condition, and why that is right. */
const allowedOk: Record<string, string> = {
  'missing path|WalStore.open (writer), then record, checkpoint, close':
    'a writer creates a journal that is not there',
  'missing path|WalWriter.open, then append (rotating), close':
    'a writer creates a log that is not there',
  'segment without read permission|WalStore.diskUsage':
    'sizes come from stat, which needs no read permission on the file',
  'segment without read permission|WalStore.checkpoint':
    'a checkpoint reads only the segment holding its lsn (the newest), not the unreadable oldest',
};

/** Every outcome that breaks the rule, as one line each. */
function problems(outcomes: Outcome[]): string[] {
  const found: string[] = [];
  for (const { entry, condition, journal, result } of outcomes) {
    const where = `${entry} / ${condition}`;
    if (result === 'ok') {
      if (!allowedOk[`${condition}|${entry}`]) found.push(`${where}: succeeded`);
      continue;
    }
    const { className, code, message, isWalError, hasCause } = result;
    if (!isWalError) found.push(`${where}: raw ${className} ${code ?? ''}: ${message}`);
    else if (className === 'WalError')
      found.push(`${where}: a bare WalError (${code}): ${message}`);
    if (code === undefined || !code.startsWith('WAL_')) found.push(`${where}: code ${code}`);
    if (!message.includes(journal)) found.push(`${where}: message without the path: ${message}`);
    if (!hasCause) found.push(`${where}: no cause: ${message}`);
  }
  return found;
}

function table(outcomes: Outcome[]): string {
  return outcomes
    .map(({ entry, condition, result }) =>
      result === 'ok'
        ? `  ${entry} / ${condition}: ok`
        : `  ${entry} / ${condition}: ${result.className} ${result.code}: ${result.message}`,
    )
    .join('\n');
}

describe('no raw errno reaches a library user', () => {
  it(`every entry point under every condition (${asRoot ? 'root: denied through the seam' : 'denied with chmod'})`, async () => {
    const outcomes = await walkEntryPoints(tempDir('errno-walk'), asRoot ? 'seam' : 'chmod');
    console.info(`entry-point walk in this process:\n${table(outcomes)}`);
    expect(outcomes.length).toBeGreaterThanOrEqual(50);
    expect(problems(outcomes)).toEqual([]);
  });

  it.skipIf(!asRoot)(
    'again with real chmod, in a child run as the unprivileged user nobody',
    () => {
      const root = tempDir('errno-walk-nobody');
      chmodSync(root, 0o777);
      const run = spawnSync(process.execPath, [childScript('errno-walk'), root], {
        uid: NOBODY,
        gid: NOBODY,
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (run.error) throw new Error(`cannot start a child as uid ${NOBODY}: ${run.error.message}`);
      const line = run.stdout.split('\n').find((l) => l.startsWith('outcomes '));
      expect(line, `${run.stdout}\n${run.stderr}`).toBeDefined();
      const outcomes = JSON.parse(line!.slice('outcomes '.length)) as Outcome[];
      console.info(`entry-point walk as nobody:\n${table(outcomes)}`);
      expect(outcomes.length).toBeGreaterThanOrEqual(50);
      expect(problems(outcomes)).toEqual([]);
    },
  );

  if (!asRoot) {
    it('(skipped: the nobody child needs root to start it; this process already used chmod)', () => {
      console.warn('raw-errno: not root, so the walk as nobody is skipped; chmod denied here');
    });
  }
});
