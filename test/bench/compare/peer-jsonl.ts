// A JSON-lines file: one `JSON.stringify` line per record, `writeSync` + `fdatasyncSync`.
import { closeSync, fdatasyncSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchSystem, Sink } from './bench-system.js';
import { GroupCommitter } from './bench-system.js';
import { addToTotals, type BenchRecord, emptyTotals, sizes } from './workload.js';

function filePath(dir: string): string {
  return join(dir, 'journal.jsonl');
}

/** Calls `each` with every complete line of the file, reading 1 MiB at a time. */
function scanLines(dir: string, each: (line: string) => void): void {
  const fd = openSync(filePath(dir), 'r');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let carry = '';
  let position = 0;
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, position);
    if (n === 0) break;
    position += n;
    const text = carry + chunk.toString('utf8', 0, n);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      each(text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  closeSync(fd);
}

export const jsonlSystem: BenchSystem = {
  name: 'JSONL',
  variants: {},
  config: {
    W1: '`writeSync` of one line, then `fdatasyncSync`, per record',
    W2: 'app group commit: one `writeSync` of the queued lines, then `fdatasyncSync`, per group',
    W3: 'one `writeSync` per 1,000 lines, one final `fdatasyncSync`',
    W4: '1 MiB `readSync` chunks, split on newlines, `JSON.parse` per line',
    W5: 'no index: a full scan, as W4',
  },

  async open(dir, workload): Promise<Sink> {
    const fd = openSync(filePath(dir), 'a');
    const line = (r: BenchRecord) => `${JSON.stringify(r)}\n`;
    if (workload === 'W1') {
      return {
        append(r) {
          writeSync(fd, line(r));
          fdatasyncSync(fd);
          return undefined;
        },
        close: () => closeSync(fd),
      };
    }
    if (workload === 'W2') {
      const group = new GroupCommitter<string>((lines) => {
        writeSync(fd, lines.join(''));
        fdatasyncSync(fd);
      });
      return { append: (r) => group.append(line(r)), close: () => closeSync(fd) };
    }
    let buffered = '';
    let count = 0;
    return {
      append(r) {
        buffered += line(r);
        if (++count % sizes.bufferedBatch === 0) {
          writeSync(fd, buffered);
          buffered = '';
        }
        return undefined;
      },
      close() {
        if (buffered) writeSync(fd, buffered);
        fdatasyncSync(fd);
        closeSync(fd);
      },
    };
  },

  async replay(dir, fold) {
    scanLines(dir, (text) => {
      const r = JSON.parse(text) as BenchRecord;
      fold.add(r.actionId, r.success, r.durationMs, r);
    });
  },

  async answer(dir, actionId) {
    const totals = emptyTotals();
    scanLines(dir, (text) => {
      const r = JSON.parse(text) as BenchRecord;
      if (r.actionId === actionId) addToTotals(totals, r.success, r.durationMs);
    });
    return totals;
  },
};
