// The package installs the way Node users install things (issue 12 §5): `npm pack` of a fresh
// copy of the sources (no dist/: `prepare` must build it) gives a tarball that an empty project
// installs without network, imports (types included) and runs as a bin.
//
// Offline: `npm ci` left every dependency's tarball in the npm cache, but not the full
// packuments that `npm install <tarball>` asks for when it resolves a dependency without a lock
// (npm 11 always fetches full metadata there), so the empty project gets a package-lock.json
// made from ours: npm then takes every dependency from the cache by its integrity.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli-run.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const SOURCES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'README.md',
  'src',
  'bin',
  'docs',
];

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  [key: string]: unknown;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status} in ${cwd}:\n${result.stdout}\n${result.stderr}` +
        (/ENOTCACHED/.test(result.stderr)
          ? '\n(the npm cache lacks a dependency: run `npm ci` in the repository first)'
          : ''),
    );
  }
  return result.stdout;
}

/** A lock for a project depending only on exec-wal from `resolved`: our production entries. */
function consumerLock(resolved: string): object {
  const ours = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const packages: Record<string, object> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { 'exec-wal': resolved } },
    'node_modules/exec-wal': {
      version: manifest.version,
      resolved,
      license: manifest.license,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [path, entry] of Object.entries(ours.packages)) {
    if (path === '' || entry.dev) continue;
    const { dev: _dev, devOptional, optional, ...rest } = entry;
    packages[path] = devOptional || optional ? { ...rest, optional: true } : rest;
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

describe('npm pack, then install the tarball offline into an empty project', () => {
  it('ships dist, bin and docs (no tests, no sources), imports with types, runs the bin', () => {
    const work = tempDir('package');
    const copy = join(work, 'exec-wal');
    for (const entry of SOURCES)
      cpSync(join(repoRoot, entry), join(copy, entry), { recursive: true });
    // The build tools only: `prepare` runs tsc from the copy's node_modules/.bin.
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'), 'dir');

    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], copy)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('dist/src/cli/main.js');
    expect(files).toContain('bin/exec-wal.js');
    expect(files).toContain('docs/cli.md');
    expect(files.filter((f) => /^(test|src)\/|\.map$|^dist\/test\//.test(f))).toEqual([]);

    const consumer = join(work, 'consumer');
    const tarball = join(work, packed[0]!.filename);
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
    );
    writeFileSync(
      join(consumer, 'package-lock.json'),
      JSON.stringify(consumerLock(`file:${tarball}`)),
    );
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], consumer);

    writeFileSync(
      join(consumer, 'use.ts'),
      [
        "import { WalStore, crcImplementation } from 'exec-wal';",
        "const store = await WalStore.open('journal');",
        "await store.actionExecutionCompleted('deploy', { success: true, durationMs: 5 });",
        'await store.close();',
        "const reader = await WalStore.open('journal', { readOnly: true });",
        "const total: number = reader.actionStats('deploy').totalExecutions;",
        'console.log(JSON.stringify({ total, crc: crcImplementation() }));',
        'await reader.close();',
        '',
      ].join('\n'),
    );
    // The published types resolve and check (tsc from this repository; @types/node from it too).
    run(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--skipLibCheck',
        '--typeRoots',
        join(repoRoot, 'node_modules', '@types'),
        '--types',
        'node',
        'use.ts',
      ],
      consumer,
    );
    writeFileSync(
      join(consumer, 'use.mjs'),
      readFileSync(join(consumer, 'use.ts'), 'utf8').replace(': number', ''),
    );
    const used = JSON.parse(run(process.execPath, ['use.mjs'], consumer));
    expect(used.total).toBe(1);
    expect(['sse4.2 (native)', 'javascript']).toContain(used.crc);

    const version = run('npx', ['--no', '--', 'exec-wal', '--version'], consumer).trim();
    expect(version).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
    const stats = run('npx', ['--no', '--', 'exec-wal', 'stats', 'journal', '--json'], consumer);
    expect(JSON.parse(stats).actions).toEqual([
      expect.objectContaining({ actionId: 'deploy', totalExecutions: 1 }),
    ]);
  }, 180_000);
});

describe('npm install git+<repo url>, offline', () => {
  // The commit checked out here, as a git dependency: npm clones it, installs its dev
  // dependencies (from the cache), runs `prepare` and installs the result.
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  const sha = head.status === 0 ? head.stdout.trim() : undefined;
  if (!sha) {
    process.stderr.write(
      `SKIPPED npm install git+file: ${repoRoot} is not a git checkout (git rev-parse HEAD: ${head.stderr || head.error})\n`,
    );
  }
  it.skipIf(!sha)(
    'installs, builds dist through prepare, and runs the bin',
    () => {
      const consumer = tempDir('git-install');
      const spec = `git+file://${repoRoot}#${sha}`;
      writeFileSync(
        join(consumer, 'package.json'),
        JSON.stringify({
          name: 'consumer',
          version: '1.0.0',
          private: true,
          type: 'module',
          dependencies: { 'exec-wal': spec },
        }),
      );
      writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(consumerLock(spec)));
      run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], consumer);
      const version = run('npx', ['--no', '--', 'exec-wal', '--version'], consumer).trim();
      expect(version).toBe(
        JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version,
      );
      run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const m = await import('exec-wal'); if (!m.WalStore) process.exit(1);",
        ],
        consumer,
      );
    },
    180_000,
  );
});
