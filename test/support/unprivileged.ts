// Permission tests need a user the kernel checks: root passes every mode bit. As a normal user
// the CLI runs in-process; as root, the real binary runs as `nobody` through setpriv when that
// works here; otherwise the cases are skipped, loudly, with the reason.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { type CliResult, repoRoot, runCli } from './cli-run.js';

export interface Unprivileged {
  /** Runs the CLI as a user that mode bits apply to; undefined when there is none. */
  run: ((args: string[]) => Promise<CliResult>) | undefined;
  /** How (`in-process as uid 1000`, `as nobody via setpriv`) or why not. */
  how: string;
  /** Makes `dir` (a temp root) traversable by that user. */
  share(dir: string): void;
}

const NOBODY = 65534;

export function unprivileged(): Unprivileged {
  const uid = process.getuid?.();
  if (uid === undefined) return { run: undefined, how: 'no POSIX uids here', share: () => {} };
  if (uid !== 0) {
    return { run: (args) => runCli(args), how: `in-process as uid ${uid}`, share: () => {} };
  }
  const bin = join(repoRoot, 'bin', 'exec-wal.js');
  const asNobody = (args: string[]) =>
    spawnSync(
      'setpriv',
      [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, bin, ...args],
      { encoding: 'utf8', timeout: 60_000 },
    );
  const probe = asNobody(['--version']);
  if (probe.status !== 0) {
    const why = probe.error ? String(probe.error) : probe.stderr.trim().split('\n')[0];
    return {
      run: undefined,
      how: `running as root, and the binary does not run as uid ${NOBODY} via setpriv (${why})`,
      share: () => {},
    };
  }
  return {
    run: async (args) => {
      const result = asNobody(args);
      return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
    },
    how: `as uid ${NOBODY} via setpriv (this process is root)`,
    share: (dir) => chmodSync(dir, 0o755),
  };
}
