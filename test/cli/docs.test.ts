// The docs say what the program does (issue 12 §7): docs/cli.md documents exactly the options
// `--help` shows for every command (with every choice), the same exit codes, and example blocks
// that are what the commands print today (`make docs` regenerates them); no doc has a broken
// code fence.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram, EXIT_CODES_HELP } from '../../src/cli/program.js';
import { repoRoot, runCli } from '../support/cli-run.js';
import { DOCUMENTED_FILES, machineNeutral, renderDocs } from '../tools/doc-examples.js';

const cliDoc = readFileSync(join(repoRoot, 'docs', 'cli.md'), 'utf8');
const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
const program = buildProgram(
  io,
  async () => {},
  () => '0.0.0',
);

interface OptionShape {
  flags: string;
  long?: string;
  argChoices?: string[];
}

/** Each `### \`name …\`` section of docs/cli.md's Commands, with its option rows. */
function documentedCommands(): Map<string, Map<string, string>> {
  const commands = new Map<string, Map<string, string>>();
  const body = cliDoc.slice(cliDoc.indexOf('\n## Commands'), cliDoc.indexOf('\n## Start-up'));
  for (const section of body.split(/\n### /).slice(1)) {
    const name = /^`([a-z]+)/.exec(section)?.[1];
    if (!name) continue;
    const rows = new Map<string, string>();
    for (const match of section.matchAll(/^\| `(-[^`]+)` \|(.*)$/gm))
      rows.set(match[1]!, match[2]!);
    commands.set(name, rows);
  }
  return commands;
}

describe('docs/cli.md and --help agree', () => {
  const documented = documentedCommands();

  it('on the set of commands', () => {
    expect([...documented.keys()].sort()).toEqual(program.commands.map((c) => c.name()).sort());
  });

  for (const command of program.commands) {
    it(`on every option of ${command.name()}, and its choices`, () => {
      const rows = documented.get(command.name());
      expect(rows, `no section for ${command.name()} in docs/cli.md`).toBeDefined();
      const options = (command.options as unknown as OptionShape[]).filter(
        (o) => o.long !== '--help',
      );
      expect([...rows!.keys()].sort()).toEqual(options.map((o) => o.flags).sort());
      for (const option of options) {
        for (const choice of option.argChoices ?? [])
          expect(rows!.get(option.flags), `${option.flags} ${choice}`).toContain(`\`${choice}\``);
      }
    });
  }

  it('on the exit codes', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(EXIT_CODES_HELP.trim());
    const inHelp = [...EXIT_CODES_HELP.matchAll(/^ {2}(\d) /gm)].map((m) => Number(m[1]));
    const table = cliDoc.slice(cliDoc.indexOf('## Exit codes'), cliDoc.indexOf('### Errors'));
    const inDocs = [...table.matchAll(/^\| (\d) \|/gm)].map((m) => Number(m[1]));
    expect(inDocs).toEqual(inHelp);
    expect(inHelp).toEqual([0, 1, 2, 3, 4]);
    for (const command of program.commands) {
      const own = await runCli([command.name(), '--help']);
      expect(own.stdout, command.name()).toMatch(/Exit codes: 0 ok, 1 error, 2 usage/);
    }
  });
});

describe('the docs are well-formed and current', () => {
  it('every code fence closes, on a line of its own', () => {
    const files = ['README.md', ...readdirSync(join(repoRoot, 'docs')).map((f) => `docs/${f}`)];
    for (const file of files.filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(repoRoot, file), 'utf8');
      let open = false;
      text.split('\n').forEach((line, i) => {
        if (!line.includes('```')) return;
        if (open) {
          expect(line, `${file}:${i + 1} closes a fence with text after it`).toBe('```');
          open = false;
        } else {
          expect(line, `${file}:${i + 1} has a fence that is not at the start`).toMatch(
            /^```[a-z]*$/,
          );
          open = true;
        }
      });
      expect(open, `${file} ends inside a code fence`).toBe(false);
    }
  });

  it('every example block is what the command prints (else: make docs)', async () => {
    const rendered = await renderDocs(repoRoot);
    for (const file of DOCUMENTED_FILES) {
      const current = readFileSync(join(repoRoot, file), 'utf8');
      expect(current).toContain('<!-- exec-wal examples:');
      expect(machineNeutral(current), `${file} is stale: run make docs`).toBe(
        machineNeutral(rendered.get(file)!),
      );
    }
  });
});
