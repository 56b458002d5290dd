// Named crash points for crash tests (docs/reliability.md). When EXEC_WAL_CRASH_POINT names a
// point, the process kills itself with SIGKILL the first time (or the Nth time, with
// EXEC_WAL_CRASH_AFTER=N) it reaches that point. When the variable is unset, `crashPoint` is
// undefined and every call site is a single `?.` check on the hot path.

export const crashPointNames = [
  'append:before-write',
  'append:after-write',
  'append:after-sync',
  'rotate:after-temp-sync',
  'rotate:after-rename',
  'rotate:after-dir-sync',
  'repair:after-backup',
  'repair:after-truncate',
  'checkpoint:after-temp-write',
  'checkpoint:after-temp-sync',
  'checkpoint:after-rename',
  'retention:after-unlink',
] as const;
export type CrashPointName = (typeof crashPointNames)[number];

function makeCrashPoint(): ((name: CrashPointName) => void) | undefined {
  const wanted = process.env.EXEC_WAL_CRASH_POINT;
  if (!wanted) return undefined;
  let remaining = Number(process.env.EXEC_WAL_CRASH_AFTER ?? '1');
  return (name) => {
    if (name !== wanted) return;
    remaining -= 1;
    if (remaining <= 0) process.kill(process.pid, 'SIGKILL');
  };
}

export const crashPoint = makeCrashPoint();
