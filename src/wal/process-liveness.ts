// Whether the process that recorded itself as the lock's holder still runs
// (docs/durability.md#the-writer-lock). Linux only; elsewhere nothing can be proven here.
//
// A pid means something only within one pid namespace of one boot, and it is reused once its
// process is gone. So a holder records, besides its pid:
// - hostId: the boot id (/proc/sys/kernel/random/boot_id, new at every boot) and the inode
//   numbers of its pid and time namespaces (/proc/self/ns/{pid,time}). Processes with the same
//   hostId see the same pids and the same start times (field 22 of /proc/<pid>/stat is shifted
//   by the reader's time namespace). Not the hostname, nor /etc/machine-id: neither scopes pids
//   (containers of one pid namespace may have different hostnames; a machine id outlives a
//   reboot and is copied with cloned images). Containers with their own pid namespaces, even on
//   one kernel, so never compare pids; a restarted container is "another host".
// - startTicks: field 22 of /proc/self/stat, its start in clock ticks after boot.
//
// With the same hostId, the holder is proven dead when its pid is gone (ESRCH), a zombie, or a
// process with another start time (the pid was reused). Nothing else proves anything: another
// hostId, no /proc or a /proc of another pid namespace, a /proc that hides the pid while
// kill(pid, 0) finds it (hidepid), EPERM, an unreadable or unparsable stat. Then only the lock's
// stale window frees it.
import type { LockHolder } from '../errors.js';
import { type FileSystem, readSmallFile } from './file-system.js';

/** What a holder records about itself so that others can tell whether it still runs. */
export interface ProcessIdentity {
  hostId: string;
  startTicks: number;
}

/** The fields of /proc/<pid>/stat the lock uses (proc(5); field numbers are 1-based). */
export interface ProcStat {
  pid: number; // 1
  comm: string; // 2, without its parentheses: any bytes, spaces and ')' included
  state: string; // 3: R, S, D, T, t, Z (zombie), X (dead), ...
  ppid: number; // 4
  startTicks: number; // 22
}

export type Liveness =
  | { verdict: 'alive' }
  | { verdict: 'dead'; why: string }
  /** Pids of the holder mean nothing here: another boot, host or pid namespace. */
  | { verdict: 'elsewhere' }
  | { verdict: 'unknown'; why: string };

/** /proc/<pid>/stat is ~300 bytes (comm at most 64); boot_id is 37. */
const STAT_BYTES_MAX = 4096;
const BOOT_ID_BYTES_MAX = 64;

/** Parses /proc/<pid>/stat; undefined unless every field used is there and well-formed. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')'); // comm may itself hold ') '
  if (open < 1 || close < open) return undefined;
  const fields = text
    .slice(close + 1)
    .trim()
    .split(' '); // fields 3, 4, ...
  const pid = decimal(text.slice(0, open));
  const ppid = decimal(fields[1]);
  const startTicks = decimal(fields[22 - 3]);
  const state = fields[0] ?? '';
  if (pid === undefined || ppid === undefined || startTicks === undefined) return undefined;
  if (!/^[A-Za-z]$/.test(state)) return undefined;
  return { pid, comm: text.slice(open + 2, close), state, ppid, startTicks };
}

function decimal(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** This process's identity, or undefined where /proc cannot give it (not Linux, no /proc). */
export function ownIdentity(fs: FileSystem): ProcessIdentity | undefined {
  try {
    const self = parseProcStat(readSmallFile(fs, '/proc/self/stat', STAT_BYTES_MAX).toString());
    // A /proc mounted for another pid namespace names this process by another pid.
    if (self?.pid !== process.pid) return undefined;
    const bootId = readSmallFile(fs, '/proc/sys/kernel/random/boot_id', BOOT_ID_BYTES_MAX)
      .toString()
      .trim();
    if (!/^[0-9a-f-]{8,40}$/.test(bootId)) return undefined;
    const pidNs = fs.stat('/proc/self/ns/pid').ino;
    const timeNs = fs.exists('/proc/self/ns/time') ? fs.stat('/proc/self/ns/time').ino : 'none';
    return { hostId: `${bootId}/pid:${pidNs}/time:${timeNs}`, startTicks: self.startTicks };
  } catch {
    return undefined;
  }
}

/** Whether `holder` still runs, as far as this process (identity `own`) can prove. */
export function holderLiveness(
  fs: FileSystem,
  holder: LockHolder,
  own: ProcessIdentity | undefined,
): Liveness {
  if (own === undefined) return { verdict: 'unknown', why: 'no /proc of this pid namespace here' };
  if (holder.hostId === undefined) {
    return { verdict: 'unknown', why: 'the lock records no host id (made without /proc)' };
  }
  if (holder.hostId !== own.hostId) return { verdict: 'elsewhere' };
  const { pid, startTicks } = holder;
  if (!Number.isSafeInteger(pid) || pid < 1) {
    return { verdict: 'unknown', why: `the lock names no valid pid (${pid})` };
  }
  let stat: ProcStat | undefined;
  try {
    stat = parseProcStat(readSmallFile(fs, `/proc/${pid}/stat`, STAT_BYTES_MAX).toString());
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return confirmGone(pid);
    return { verdict: 'unknown', why: `/proc/${pid}/stat is unreadable (${code ?? error})` };
  }
  if (stat === undefined || stat.pid !== pid) {
    return { verdict: 'unknown', why: `/proc/${pid}/stat has an unexpected form` };
  }
  if (stat.state === 'Z' || stat.state === 'X') {
    return { verdict: 'dead', why: `pid ${pid} has exited (a zombie)` };
  }
  if (typeof startTicks !== 'number') {
    return { verdict: 'unknown', why: `the lock does not record when pid ${pid} started` };
  }
  if (stat.startTicks !== startTicks) {
    return { verdict: 'dead', why: `pid ${pid} now belongs to a process started later` };
  }
  return { verdict: 'alive' };
}

/** /proc has no such pid: gone, unless /proc merely hides it (hidepid) from this user. */
function confirmGone(pid: number): Liveness {
  try {
    process.kill(pid, 0);
    return { verdict: 'unknown', why: `pid ${pid} runs but /proc hides it` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return { verdict: 'dead', why: `pid ${pid} is gone` };
    return { verdict: 'unknown', why: `pid ${pid} cannot be checked (${code ?? error})` };
  }
}
