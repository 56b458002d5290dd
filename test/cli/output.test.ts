// The output module and its escaping, unit by unit: which characters are escaped and how, cuts
// that never split an escape, JSON that is terminal-safe and still exact, CSV that is RFC 4180,
// and columns rendered per kind in every format. Randomized parts take SEED (test/support/random).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Column,
  csvRecord,
  type RenderContext,
  renderFields,
  renderList,
  streamList,
} from '../../src/cli/output.js';
import { escapeBlock, escapeCut, escapeLine, safeJson } from '../../src/cli/untrusted-text.js';
import { parseCsv } from '../support/csv-parse.js';
import { testSeed } from '../support/random.js';

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const plain = { status: (t: string) => t, dim: (t: string) => t };
const ctx = (
  format: RenderContext['format'],
  extra: Partial<RenderContext> = {},
): RenderContext => ({
  format,
  timeFormat: 'iso',
  nowMs: Date.parse('2026-11-23T12:00:00Z'),
  paint: plain,
  ...extra,
});

/** Any string, lone surrogates and every control / format character included. */
const anyText = fc.string({ unit: 'binary', maxLength: 60 });

describe('escaping', () => {
  it('shows each class of dangerous character visibly', () => {
    expect(escapeLine('\u001b]0;t\u0007')).toBe('\\x1b]0;t\\x07');
    expect(escapeLine('\u009b2J\u007f')).toBe('\\x9b2J\\x7f');
    expect(escapeLine('a\u202eb\u2066c\u2069')).toBe('a\\u202eb\\u2066c\\u2069');
    expect(escapeLine('\u200e\u200f\u061c\ufeff\u200b')).toBe(
      '\\u200e\\u200f\\u061c\\ufeff\\u200b',
    );
    expect(escapeLine('l\u2028p\u2029')).toBe('l\\u2028p\\u2029');
    expect(escapeLine('\u0000\n\r\t')).toBe('\\x00\\n\\r\\t');
    expect(escapeLine('\ud800x')).toBe('\\ud800x');
    expect(escapeLine('\u{e0001}')).toBe('\\u{e0001}');
    // Printable text, accents, CJK and emoji pass untouched; so does a backslash.
    expect(escapeLine('déjà vu 東京 🚀 C:\\tmp')).toBe('déjà vu 東京 🚀 C:\\tmp');
  });

  it('a block keeps its newlines (CR LF read as LF) and escapes the rest', () => {
    expect(escapeBlock('one\r\ntwo\n\u001b[2Jthree\r')).toBe('one\ntwo\n\\x1b[2Jthree\\r');
  });

  it('a cut never splits an escape or a surrogate pair, and keeps the width', () => {
    expect(escapeCut('abcdef', 6)).toBe('abcdef');
    expect(escapeCut('abcdefg', 6)).toBe('abcde…');
    expect(escapeCut('ab\u001bcdef', 6)).toBe('ab…');
    expect(escapeCut('🚀🚀🚀🚀', 3)).toBe('🚀🚀…');
  });

  it('escaped text never holds a raw control character (property)', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 1, max: 80 }), (text, width) => {
        expect(UNSAFE.test(escapeLine(text))).toBe(false);
        expect(UNSAFE.test(escapeCut(text, width))).toBe(false);
        expect(Array.from(escapeCut(text, width)).length).toBeLessThanOrEqual(Math.max(width, 1));
        expect(/(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u.test(escapeBlock(text))).toBe(false);
      }),
      { seed: testSeed(), numRuns: 2000 },
    );
  });

  it('safe JSON parses back to the exact value and prints nothing raw (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(anyText, anyText, { maxKeys: 4 }), (value) => {
        const text = safeJson(value);
        expect(JSON.parse(text)).toEqual(value);
        expect(UNSAFE.test(text)).toBe(false);
      }),
      { seed: testSeed(), numRuns: 2000 },
    );
  });

  it('a CSV record is RFC 4180 and round-trips any fields (property)', () => {
    fc.assert(
      fc.property(fc.array(anyText, { minLength: 1, maxLength: 6 }), (fields) => {
        const record = csvRecord(fields);
        expect(record.endsWith('\r\n')).toBe(true);
        expect(parseCsv(record)).toEqual([fields]);
      }),
      { seed: testSeed(), numRuns: 2000 },
    );
    expect(csvRecord(['=1+1', '+a', '-b', '@c', 'x,y', 'say "hi"'])).toBe(
      '=1+1,+a,-b,@c,"x,y","say ""hi"""\r\n',
    );
  });
});

interface Row {
  name: string;
  count: number;
  ratio?: number;
  tookMs: number;
  at: number;
  bytes: number;
  state: string;
  tags?: Record<string, string>;
}
const columns: Column<Row>[] = [
  { header: 'NAME', name: 'name', kind: 'text', value: (r) => r.name, maxWidth: 8 },
  { header: 'N', name: 'count', kind: 'number', value: (r) => r.count },
  { header: 'OK%', name: 'ratio', kind: 'percent', value: (r) => r.ratio },
  { header: 'TOOK', name: 'tookMs', kind: 'duration', value: (r) => r.tookMs },
  { header: 'AT', name: 'at', kind: 'time', value: (r) => r.at },
  { header: 'SIZE', name: 'bytes', kind: 'bytes', value: (r) => r.bytes, in: ['wide', 'csv'] },
  { header: 'STATE', name: 'state', kind: 'status', value: (r) => r.state },
  { header: 'TAGS', name: 'tags', kind: 'json', value: (r) => r.tags, in: ['csv'] },
];
const rows: Row[] = [
  {
    name: 'deploy-the-web',
    count: 12,
    ratio: 0.5,
    tookMs: 1500,
    at: Date.parse('2026-11-23T11:00:00Z'),
    bytes: 2048,
    state: 'failed',
    tags: { host: 'a\nb' },
  },
  {
    name: 'x\ty',
    count: 3,
    tookMs: 42,
    at: Date.parse('2026-11-23T11:59:00Z'),
    bytes: 5,
    state: 'ok',
  },
];

describe('columns in every format', () => {
  it('table: aligned, cut, kinds formatted, absent values as -', () => {
    expect(renderList(rows, { columns }, ctx('table', { timeFormat: 'relative' }))).toBe(
      [
        'NAME       N    OK%   TOOK  AT         STATE',
        'deploy-…  12  50.0%  1.50s  1h00m ago  failed',
        'x\\ty       3      -   42ms  1m00s ago  ok',
        '',
      ].join('\n'),
    );
  });

  it('wide adds its columns; json and jsonl are the rows; csv the machine values', () => {
    expect(renderList(rows, { columns }, ctx('wide'))).toContain('deploy-the-web');
    expect(renderList(rows, { columns }, ctx('wide'))).toMatch(/^NAME .* SIZE .*\n.* 2\.0 KiB/);
    expect(JSON.parse(renderList(rows, { columns }, ctx('json')))).toEqual(rows);
    expect(renderList(rows, { columns, document: (r) => ({ rows: r }) }, ctx('json'))).toMatch(
      /^\{\n {2}"rows"/,
    );
    const lines = renderList(rows, { columns }, ctx('jsonl')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(rows);
    expect(parseCsv(renderList(rows, { columns }, ctx('csv')))).toEqual([
      ['name', 'count', 'ratio', 'tookMs', 'at', 'bytes', 'state', 'tags'],
      [
        'deploy-the-web',
        '12',
        '0.5',
        '1500',
        '2026-11-23T11:00:00.000Z',
        '2048',
        'failed',
        '{"host":"a\\nb"}',
      ],
      ['x\ty', '3', '', '42', '2026-11-23T11:59:00.000Z', '5', 'ok', ''],
    ]);
    expect(parseCsv(renderList(rows, { columns }, ctx('csv', { timeFormat: 'raw' })))[1]![4]).toBe(
      String(rows[0]!.at),
    );
  });

  it('an empty list says so in tables only', () => {
    expect(renderList([], { columns, empty: 'nothing here' }, ctx('table'))).toBe('nothing here\n');
    expect(renderList([], { columns, empty: 'nothing here' }, ctx('json'))).toBe('[]\n');
    expect(renderList([], { columns }, ctx('csv'))).toBe(
      'name,count,ratio,tookMs,at,bytes,state,tags\r\n',
    );
  });

  it('colour wraps status cells only, after alignment', () => {
    const paint = { status: (t: string) => `<${t}>`, dim: (t: string) => t };
    const out = renderList(rows, { columns }, ctx('table', { paint }));
    expect(out).toContain('<failed>');
    expect(out).not.toContain('<deploy');
    expect(out.split('\n')[0]).not.toContain('<');
  });

  it('a streamed table has fixed widths: every line is final when written', () => {
    const out = streamList({ columns }, ctx('table'));
    const head = out.head();
    const first = out.row(rows[0]!);
    const second = out.row(rows[1]!);
    expect(head.indexOf('AT')).toBe(first.indexOf('2026'));
    expect(second.indexOf('2026')).toBe(first.indexOf('2026'));
    expect(streamList({ columns }, ctx('jsonl')).head()).toBe('');
    expect(streamList({ columns }, ctx('csv')).row(rows[1]!)).toBe(
      'x\ty,3,,42,2026-11-23T11:59:00.000Z,5,ok,\r\n',
    );
  });

  it('fields: labels aligned, blocks continue indented, everything else on one line', () => {
    expect(
      renderFields(
        [
          { label: 'id', kind: 'text', value: 'a\nb' },
          { label: 'output', kind: 'block', value: 'one\ntwo' },
          { label: 'skipped', kind: 'text', value: undefined },
          { label: 'tags', kind: 'json', value: { k: '\u001b' } },
        ],
        ctx('table'),
      ),
    ).toBe('id      a\\nb\noutput  one\n        two\ntags    {"k":"\\u001b"}\n');
  });
});
