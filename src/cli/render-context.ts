// A command's output settings from its options: the format (`-o`, or `--json`), times, colour
// and the clock (EXEC_WAL_NOW), as one RenderContext for the output module.
import { type CliIo, clockOf } from './cli-io.js';
import type { OutputFormat, RenderContext, TimeFormat } from './output.js';
import { type ColorMode, painter } from './terminal-style.js';

export interface OutputOptions {
  output?: OutputFormat;
  json?: boolean;
  color?: ColorMode;
  timeFormat?: TimeFormat;
}

/** Times in tables are relative unless a command says otherwise; JSON keeps the API's ms. */
const relativeInTables = (format: OutputFormat): TimeFormat =>
  format === 'json' || format === 'jsonl' ? 'raw' : format === 'csv' ? 'iso' : 'relative';

export function renderContext(
  io: CliIo,
  options: OutputOptions,
  defaultTimeFormat: (format: OutputFormat) => TimeFormat = relativeInTables,
): RenderContext {
  const format: OutputFormat = options.json ? 'json' : (options.output ?? 'table');
  return {
    format,
    timeFormat: options.timeFormat ?? defaultTimeFormat(format),
    nowMs: clockOf(io.env)(),
    paint: painter(io, options.color),
  };
}
