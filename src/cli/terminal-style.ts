// Colour and progress on a terminal only: `--color auto` (default) colours when stdout is a TTY
// and NO_COLOR is unset; `always` / `never` force it. Progress bars go to stderr, TTY only.
import type { CliIo } from './cli-io.js';

export const ColorMode = ['auto', 'always', 'never'] as const;
export type ColorMode = (typeof ColorMode)[number];

export interface Painter {
  status(text: string): string;
  dim(text: string): string;
}

const plain: Painter = { status: (t) => t, dim: (t) => t };

export function painter(io: CliIo, mode: ColorMode | undefined): Painter {
  const on =
    mode === 'always' ||
    ((mode ?? 'auto') === 'auto' && Boolean(io.stdout.isTTY) && !io.env.NO_COLOR);
  if (!on) return plain;
  const wrap = (code: number, text: string) => `\u001b[${code}m${text}\u001b[0m`;
  return {
    status: (text) => {
      const trimmed = text.trim();
      if (trimmed === 'succeeded' || trimmed === 'PASS' || trimmed === 'ok') return wrap(32, text);
      if (trimmed === 'failed' || trimmed === 'FAIL' || trimmed === 'interrupted')
        return wrap(31, text);
      if (
        trimmed === 'timed_out' ||
        trimmed === 'cancelled' ||
        trimmed === 'TORN' ||
        trimmed === 'running'
      )
        return wrap(33, text);
      return text;
    },
    dim: (text) => wrap(2, text),
  };
}

/** Bytes of a read below which no progress bar is drawn (short reads finish before it helps). */
export const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

/** An onProgress callback drawing `[#####.....] 45% 12/27 MiB` on stderr, or undefined off a TTY. */
export function progressBar(
  io: CliIo,
  label: string,
): ((p: { bytesDone: number; bytesTotal: number }) => void) & { done(): void } {
  let drawn = false;
  let last = 0;
  const draw = (p: { bytesDone: number; bytesTotal: number }) => {
    if (!io.stderr.isTTY || p.bytesTotal < PROGRESS_MIN_BYTES) return;
    const now = Date.now();
    if (now - last < 100 && p.bytesDone < p.bytesTotal) return;
    last = now;
    const ratio = Math.min(1, p.bytesDone / Math.max(1, p.bytesTotal));
    const width = 30;
    const filled = Math.round(ratio * width);
    const mib = (n: number) => (n / 2 ** 20).toFixed(0);
    io.stderr.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(ratio * 100)}% ${mib(p.bytesDone)}/${mib(p.bytesTotal)} MiB`,
    );
    drawn = true;
  };
  return Object.assign(draw, {
    done() {
      if (drawn) io.stderr.write('\r\u001b[K');
    },
  });
}
