// The options several commands share, made the same way wherever they appear (docs/cli.md
// #conventions): one factory per option, with its parser or choices and its default.
import { Option } from 'commander';
import { executionStatuses, recoveryModes } from '../store/journal-admin.js';
import { nameValue, timePointValue } from './option-values.js';
import { type OutputFormat, TimeFormat } from './output.js';
import { ColorMode } from './terminal-style.js';

/** `now` is the CLI's clock, for time points like `1h` (that long before now). */
export function commonOptions(now: () => number) {
  return {
    output(formats: readonly OutputFormat[], fallback?: OutputFormat): Option {
      const option = new Option('-o, --output <format>', 'output format').choices(formats);
      return fallback ? option.default(fallback) : option;
    },
    json: () => new Option('--json', 'one JSON document (same as -o json)').conflicts('output'),
    color: () =>
      new Option('--color <when>', 'colour status words (NO_COLOR is honoured)')
        .choices(ColorMode)
        .default('auto'),
    timeFormat: () =>
      new Option('--time-format <format>', 'times as relative, iso (UTC) or raw epoch ms').choices(
        TimeFormat,
      ),
    recovery: () =>
      new Option('--recovery <mode>', 'how to read a damaged journal (docs/recovery.md)')
        .choices(recoveryModes)
        .default('tolerate-tail'),
    /** A filter by name: any text but the empty string. */
    name: (flags: string, description: string) =>
      new Option(flags, description).argParser(nameValue),
    /** A time point: ISO date or time, an age, or `now`. */
    since: (flags: string, description: string) =>
      new Option(flags, description).argParser(timePointValue(now)),
    status: () => new Option('--status <status>', 'only this status').choices(executionStatuses),
  };
}
