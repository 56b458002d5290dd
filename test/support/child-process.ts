// Real child processes for the process-level tests (test/process). A child is a BUILT script
// under dist/test/support/children/ run by node; it reports on stdout (one line per event,
// written synchronously to the pipe, so what it wrote before a SIGKILL still arrives) and over
// IPC. Tests wait on those events with deadlines, never on bare sleeps.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Path of a compiled child script; throws telling to build when it is missing or stale. */
export function childScript(name: string): string {
  const script = join(repoRoot, 'dist/test/support/children', `${name}.js`);
  if (!existsSync(script)) {
    throw new Error(`${script} is missing: run \`make build\` first (process tests spawn it)`);
  }
  assertBuildFresh(script, new Set());
  return script;
}

/** The child and every module it imports, compiled: a .js older than its .ts tests old code. */
function assertBuildFresh(built: string, seen: Set<string>): void {
  if (seen.has(built)) return;
  seen.add(built);
  const source = join(repoRoot, relative(join(repoRoot, 'dist'), built)).replace(/\.js$/, '.ts');
  const sourceStat = statSync(source, { throwIfNoEntry: false });
  if (sourceStat && statSync(built).mtimeMs < sourceStat.mtimeMs) {
    throw new Error(`${built} is older than ${source}: run \`make build\` first`);
  }
  const text = readFileSync(built, 'utf8');
  for (const [, specifier] of text.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'/g)) {
    const imported = resolve(dirname(built), specifier!);
    if (!existsSync(imported)) {
      throw new Error(`${imported} is missing: run \`make build\` first`);
    }
    assertBuildFresh(imported, seen);
  }
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<Child>();

export class Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Complete stdout lines received so far. */
  readonly lines: string[] = [];
  /** IPC messages received so far. */
  readonly messages: Record<string, unknown>[] = [];
  stderr = '';
  /** Set once the process ended and its stdout and stderr are drained. */
  exit: ChildExit | undefined;
  readonly exited: Promise<ChildExit>;
  #partial = '';
  #listeners = new Set<() => void>();

  constructor(name: string, args: string[], env: Record<string, string>) {
    this.name = name;
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    delete childEnv.EXEC_WAL_CRASH_POINT;
    delete childEnv.EXEC_WAL_CRASH_AFTER;
    this.process = spawn(process.execPath, [childScript(name), ...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...childEnv, ...env },
    });
    if (this.process.pid === undefined) throw new Error(`could not spawn child ${name}`);
    this.pid = this.process.pid;
    live.add(this);
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
      this.#notify();
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.process.on('message', (message) => {
      this.messages.push(message as Record<string, unknown>);
      this.#notify();
    });
    // Not 'close': it also waits for the IPC channel, which never reports closing after a
    // parent-side disconnect(). Exit plus the end of both output streams is what matters.
    const ended = (stream: NodeJS.ReadableStream) =>
      new Promise<void>((resolveEnd) => stream.on('end', resolveEnd));
    const outputs = Promise.all([ended(this.process.stdout!), ended(this.process.stderr!)]);
    this.exited = new Promise((resolveExit) => {
      this.process.on('exit', (code, signal) => {
        void outputs.then(() => {
          live.delete(this);
          this.exit = { code, signal };
          resolveExit(this.exit);
          this.#notify();
        });
      });
    });
  }

  send(message: Record<string, unknown>): void {
    if (!this.process.connected) throw new Error(`${this.describe()} is not connected`);
    this.process.send(message);
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exit) this.process.kill(signal);
  }

  /** SIGKILL and wait until the process is gone and its output drained. */
  async kill(): Promise<ChildExit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /**
   * Resolves with `find()` once it returns something other than undefined, checking after every
   * line, message and exit; rejects at the deadline or when the child exits first.
   */
  waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 15_000): Promise<T> {
    return new Promise((resolveWait, rejectWait) => {
      const check = (): boolean => {
        const found = find();
        if (found !== undefined) {
          done();
          resolveWait(found);
          return true;
        }
        if (this.exit) {
          done();
          rejectWait(new Error(`${this.describe()} exited before ${what}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        rejectWait(new Error(`${this.describe()}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      const listener = () => void check();
      if (!check()) this.#listeners.add(listener);
    });
  }

  /** The first IPC message of `type` for which `match` holds (waits for it). */
  message(
    type: string,
    timeoutMs?: number,
    match: (m: Record<string, unknown>) => boolean = () => true,
  ): Promise<Record<string, unknown>> {
    return this.waitFor(
      `message '${type}'`,
      () => this.messages.find((m) => m.type === type && match(m)),
      timeoutMs,
    );
  }

  describe(): string {
    const exit = this.exit ? ` (exit code ${this.exit.code}, signal ${this.exit.signal})` : '';
    const stderr = this.stderr.trim() ? `; stderr: ${this.stderr.trim().slice(-2000)}` : '';
    return `child ${this.name} pid ${this.pid}${exit}${stderr}`;
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

export function spawnChild(name: string, args: string[], env: Record<string, string> = {}): Child {
  return new Child(name, args, env);
}

/** SIGKILLs every child still running (for afterEach/afterAll); stopped children too. */
export async function killChildren(): Promise<void> {
  await Promise.all([...live].map((child) => child.kill()));
}
