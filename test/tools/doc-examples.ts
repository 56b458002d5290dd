// `make docs`: every example output in README.md and docs/cli.md comes from running the command.
// A block between
//
//   <!-- exec-wal examples: stats .demo/journal; recent .demo/journal -n 8 --failed -->
//   <!-- /exec-wal examples -->
//
// is replaced by a code block with each command (split on `;`, arguments on spaces) and what it
// printed (stdout, then stderr, then `[exit N]` unless 0), run in-process on a fresh copy of the
// demo journal (test/tools/demo-journal.ts) at `.demo/journal`, with the CLI's clock fixed by
// EXEC_WAL_NOW so that relative times come out the same on every run. CSV's CRLF record ends
// are shown as plain line ends (a CR in a Markdown file does not survive editors).
//
// Usage: node dist/test/tools/doc-examples.js [--check]   (--check: exit 1 if a file would change)
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../../src/cli/main.js';
import { writeDemoJournal } from './demo-journal.js';

export const DOCUMENTED_FILES = ['README.md', 'docs/cli.md'] as const;
/** The demo's "now": the time its journal is written as of, and the CLI's clock. */
export const DEMO_NOW = '2026-11-23T16:30:00Z';

const BLOCK = /(<!-- exec-wal examples: (.*?) -->\n)[\s\S]*?(<!-- \/exec-wal examples -->)/g;

/** The documented files as they should be, from real runs. */
export async function renderDocs(root: string): Promise<Map<string, string>> {
  const work = mkdtempSync(join(tmpdir(), 'exec-wal-docs-'));
  const pristine = join(work, 'pristine');
  const cwd = process.cwd();
  try {
    await writeDemoJournal(pristine, Date.parse(DEMO_NOW));
    process.chdir(work);
    const out = new Map<string, string>();
    for (const file of DOCUMENTED_FILES) {
      const text = readFileSync(join(root, file), 'utf8');
      const blocks: string[] = [];
      for (const match of text.matchAll(BLOCK)) blocks.push(await runBlock(match[2]!, pristine));
      let i = 0;
      out.set(
        file,
        text.replace(
          BLOCK,
          (_all, start: string, _commands, end: string) => `${start}${blocks[i++]}${end}`,
        ),
      );
    }
    return out;
  } finally {
    process.chdir(cwd);
    rmSync(work, { recursive: true, force: true });
  }
}

async function runBlock(commands: string, pristine: string): Promise<string> {
  rmSync('.demo', { recursive: true, force: true });
  cpSync(pristine, '.demo/journal', { recursive: true, preserveTimestamps: true });
  const parts: string[] = [];
  for (const command of commands.split(';').map((c) => c.trim())) {
    const args = command.split(/\s+/);
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: { EXEC_WAL_NOW: DEMO_NOW },
    });
    parts.push(`$ exec-wal ${command}\n${stdout}${stderr}${code === 0 ? '' : `[exit ${code}]\n`}`);
  }
  return `\`\`\`\n${parts.join('\n').replace(/\r\n/g, '\n')}\`\`\`\n`;
}

/** What may differ between machines: which CRC32C implementation `info` reports. */
export function machineNeutral(text: string): string {
  return text.replace(/^crc32c(\s+).*$/gm, 'crc32c$1<implementation>');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(import.meta.dirname, '..', '..', '..');
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, text] of await renderDocs(root)) {
    const path = join(root, file);
    const before = readFileSync(path, 'utf8');
    if (machineNeutral(before) === machineNeutral(text)) continue;
    stale++;
    if (check) process.stderr.write(`${file}: examples are stale; run \`make docs\`\n`);
    else {
      writeFileSync(path, text);
      process.stdout.write(`rewrote the examples in ${file}\n`);
    }
  }
  if (check && stale > 0) process.exit(1);
}
