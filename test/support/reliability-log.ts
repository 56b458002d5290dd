// The reliability log: each reliability test appends one JSON line per fault class it exercised
// to the file named by EXEC_WAL_RELIABILITY_LOG (nothing when it is unset), and
// test/tools/reliability-report.ts turns those lines into docs/reliability.md:
//
//   {"row": 15, "fault": "single bit flip", "cases": 3000, "failures": 0, "tier": "fast"}
//
// `row` is the row of the plan (docs/reliability.md, 1-16); `cases` what was tried, `failures`
// how many of them broke a promise. Call it before asserting, so a failing run is logged too.
// Lines are short single appends (O_APPEND), so test files running in parallel never interleave.
import { appendFileSync } from 'node:fs';
import { tier } from './random.js';

export interface ReliabilityResult {
  row: number;
  fault: string;
  cases: number;
  failures: number;
  tier: 'fast' | 'torture';
}

export function recordResult(row: number, fault: string, cases: number, failures: number): void {
  const path = process.env.EXEC_WAL_RELIABILITY_LOG;
  if (!path) return;
  const line: ReliabilityResult = { row, fault, cases, failures, tier };
  appendFileSync(path, `${JSON.stringify(line)}\n`);
}

/**
 * Counts the cases of one fault class: each check() is a case, a throw is a failure (kept, not
 * rethrown, so the sweep goes on); finish() logs the line and then throws every failure at once.
 */
export class FaultTally {
  readonly row: number;
  readonly fault: string;
  cases = 0;
  readonly failures: string[] = [];

  constructor(row: number, fault: string) {
    this.row = row;
    this.fault = fault;
  }

  async check(label: string, body: () => unknown): Promise<void> {
    this.cases += 1;
    try {
      await body();
    } catch (error) {
      this.failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  finish(): void {
    recordResult(this.row, this.fault, this.cases, this.failures.length);
    if (this.failures.length > 0) {
      throw new Error(
        `${this.fault}: ${this.failures.length} of ${this.cases} cases failed:\n` +
          this.failures.join('\n'),
      );
    }
  }
}
