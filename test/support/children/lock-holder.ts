// Lock-test child (test/process/lock.test.ts): a writer process driven over IPC.
//
//   node dist/test/support/children/lock-holder.js <dir> <lockStaleMs>
//
// Sends {type:'ready'} once loaded, then answers commands:
//   {cmd:'open'}         -> {type:'opened', nextLsn, lockTakeover, openMs}
//                           | {type:'locked', code, holderPid, refusal, message, openMs}
//                           | {type:'open-failed', code, message, openMs}
//   {cmd:'append-loop', tag}
//                        -> appends one batch of 1-3 records {who: pid, tag, i} at a time, for
//                           ever: {type:'ack', firstLsn, lastLsn} after each resolved append;
//                           on the first rejection {type:'append-failed', code, message}, stops
//   {cmd:'race', tag}    -> one WalWriter.open attempt; {type:'race', tag, outcome:'won'|
//                           'locked'|'failed', code, holderPid, openMs, ...}; a winner then appends tagged
//                           batches until {cmd:'release'}, closes and sends {type:'race-done',
//                           tag, lsns} (every acked LSN) or {type:'race-failed', tag, code,
//                           message}. Can be repeated: one child takes part in many rounds
//   {cmd:'take-over', tag, batches, fromPid, flagFile, deadlineMs}
//                        -> waits until process fromPid holds the lock, then retries open until
//                           it succeeds (WAL_LOCKED only, until the deadline), appends `batches`
//                           tagged batches, creates flagFile and sends {type:'took-over', lsns};
//                           or {type:'take-over-failed', code, message}
//   {cmd:'contend', fromPid, flagFile, everyMs, deadlineMs}
//                        -> waits until process fromPid holds the lock, then tries to open every
//                           everyMs until flagFile exists (or the deadline): {type:'contended',
//                           attempts: [{atMs, type, code, refusal}]}; an attempt that opens
//                           ends the loop (type 'opened'; the writer is closed again)
//   {cmd:'close'}        -> {type:'closed'}
//   {cmd:'exit'}         -> process.exit(0) at once, without close(): the exit hook releases a
//                           lock still held
import { existsSync, writeFileSync } from 'node:fs';
import type { WalWriter as WalWriterType } from '../../../src/index.js';
import { WalLockedError, WalWriter } from '../../../src/index.js';
import { readHolder } from '../../../src/wal/writer-lock.js';

const [dir, staleText] = process.argv.slice(2);
if (!dir || !staleText) throw new Error('usage: lock-holder <dir> <lockStaleMs>');
const lockStaleMs = Number(staleText);

interface Command {
  cmd: 'open' | 'append-loop' | 'race' | 'release' | 'take-over' | 'contend' | 'close' | 'exit';
  tag?: string;
  batches?: number;
  fromPid?: number;
  flagFile?: string;
  deadlineMs?: number;
  everyMs?: number;
}

let writer: WalWriterType | undefined;
let nextI = 0;
let releaseAsked = false;

function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

function describe(error: unknown): Record<string, unknown> {
  const e = error as { name?: string; code?: string; message?: string };
  return {
    name: e.name,
    code: e.code,
    message: e.message,
    holderPid: error instanceof WalLockedError ? error.holder?.pid : undefined,
    refusal: error instanceof WalLockedError ? error.refusal : undefined,
  };
}

async function open(): Promise<Record<string, unknown>> {
  const began = performance.now();
  try {
    writer = await WalWriter.open(dir!, { lockStaleMs, durability: 'fsync' });
    const { lockTakeover } = writer.openReport;
    return { type: 'opened', nextLsn: writer.nextLsn, lockTakeover, openMs: elapsed(began) };
  } catch (error) {
    const type = error instanceof WalLockedError ? 'locked' : 'open-failed';
    return { type, ...describe(error), openMs: elapsed(began) };
  }
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 10) / 10;

function appendTagged(tag: string) {
  const count = 1 + (nextI % 3);
  const records = Array.from({ length: count }, () => ({
    type: 7,
    value: { who: process.pid, tag, i: nextI++ },
  }));
  return writer!.append(records);
}

async function appendLoop(tag: string): Promise<void> {
  for (;;) {
    try {
      const result = await appendTagged(tag);
      send({ type: 'ack', ...result });
    } catch (error) {
      send({ type: 'append-failed', ...describe(error) });
      return;
    }
  }
}

async function race(tag: string): Promise<void> {
  releaseAsked = false;
  const result = await open();
  const outcome = { opened: 'won', locked: 'locked' }[result.type as string] ?? 'failed';
  send({ ...result, type: 'race', tag, outcome });
  if (outcome !== 'won') return;
  const lsns: number[] = [];
  try {
    while (!releaseAsked) {
      const { firstLsn, lastLsn } = await appendTagged(tag);
      for (let lsn = firstLsn; lsn <= lastLsn; lsn++) lsns.push(lsn);
    }
    await writer!.close();
    send({ type: 'race-done', tag, lsns });
  } catch (error) {
    send({ type: 'race-failed', tag, lsns, ...describe(error) });
  }
}

async function takeOver(command: Command): Promise<void> {
  const until = Date.now() + (command.deadlineMs ?? 10_000);
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  try {
    while (readHolder(dir!)?.pid !== command.fromPid) {
      if (Date.now() > until) throw new Error(`pid ${command.fromPid} never held the lock`);
      await pause();
    }
    for (;;) {
      const result = await open();
      if (result.type === 'opened') break;
      if (result.type !== 'locked' || Date.now() > until) throw Object.assign(new Error(), result);
      await pause();
    }
    const lsns: number[] = [];
    for (let b = 0; b < (command.batches ?? 3); b++) {
      const { firstLsn, lastLsn } = await appendTagged(command.tag ?? '');
      for (let lsn = firstLsn; lsn <= lastLsn; lsn++) lsns.push(lsn);
    }
    writeFileSync(command.flagFile!, String(process.pid));
    send({ type: 'took-over', lsns });
  } catch (error) {
    send({ type: 'take-over-failed', ...describe(error) });
  }
}

async function contend(command: Command): Promise<void> {
  const until = Date.now() + (command.deadlineMs ?? 10_000);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const attempts: Record<string, unknown>[] = [];
  try {
    while (readHolder(dir!)?.pid !== command.fromPid) {
      if (Date.now() > until) throw new Error(`pid ${command.fromPid} never held the lock`);
      await pause(5);
    }
    while (!existsSync(command.flagFile!) && Date.now() < until) {
      const atMs = Date.now();
      const result = await open();
      attempts.push({ atMs, type: result.type, code: result.code, refusal: result.refusal });
      if (result.type === 'opened') {
        await writer!.close();
        break;
      }
      await pause(command.everyMs ?? 50);
    }
    send({ type: 'contended', attempts });
  } catch (error) {
    send({ type: 'contend-failed', attempts, ...describe(error) });
  }
}

process.on('message', (command: Command) => {
  switch (command.cmd) {
    case 'open':
      void open().then(send);
      break;
    case 'append-loop':
      void appendLoop(command.tag ?? '');
      break;
    case 'race':
      void race(command.tag ?? '');
      break;
    case 'release':
      releaseAsked = true;
      break;
    case 'take-over':
      void takeOver(command);
      break;
    case 'contend':
      void contend(command);
      break;
    case 'close':
      void writer!.close().then(
        () => send({ type: 'closed' }),
        (error) => send({ type: 'close-failed', ...describe(error) }),
      );
      break;
    case 'exit':
      process.exit(0);
  }
});
// Stays alive on the IPC channel; exits when the parent disconnects.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
