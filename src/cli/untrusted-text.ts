// Journal data is untrusted text (docs/cli.md#untrusted-text): ids, outputs, errors and
// attributes come from whatever ran, and paths and option values from whoever typed them.
// Printed raw, ESC/CSI/OSC sequences retitle or clear the operator's terminal and fake output,
// and bidi controls reorder what is shown. Human output therefore shows every such character as
// a visible escape; machine output stays exact (JSON escapes them inside strings, CSV keeps them).
//
// Escaped: Cc (C0, DEL, C1), Cf (format characters: the bidi controls U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069, zero-width characters, BOM, tags), Zl/Zp (U+2028, U+2029) and
// lone surrogates. A backslash is shown as itself: a table is for reading, `-o json` for bytes.

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
/** Everything UNSAFE except the newline, which a block of text keeps. */
const UNSAFE_IN_BLOCK = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
/** What JSON.stringify leaves raw although a terminal may act on it (it escapes C0 itself). */
const RAW_IN_JSON = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu;

const hex = (value: number, digits: number) => value.toString(16).padStart(digits, '0');

/** `\n`, `\r`, `\t`; `\xHH` up to U+00FF; `\uHHHH`; `\u{HHHHH}` beyond the BMP. */
export function visibleEscape(char: string): string {
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${hex(code, 2)}`;
  if (code <= 0xffff) return `\\u${hex(code, 4)}`;
  return `\\u{${code.toString(16)}}`;
}

/** One line of human output: every unsafe character, the newline included, made visible. */
export function escapeLine(text: string): string {
  return text.replace(UNSAFE, visibleEscape);
}

/** A block of human output (a `show` value): newlines kept, CR LF read as LF, the rest escaped. */
export function escapeBlock(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(UNSAFE_IN_BLOCK, visibleEscape);
}

/**
 * `text` escaped as by escapeLine and cut to `width` visible characters with an ellipsis; an
 * escape is never split.
 */
export function escapeCut(text: string, width: number): string {
  const tokens = Array.from(text, (char) => (UNSAFE_CHAR.test(char) ? visibleEscape(char) : char));
  const sizes = tokens.map(visibleWidth);
  if (sizes.reduce((sum, size) => sum + size, 0) <= width) return tokens.join('');
  let out = '';
  let used = 0;
  for (let i = 0; i < tokens.length && used + sizes[i]! <= width - 1; i++) {
    out += tokens[i];
    used += sizes[i]!;
  }
  return `${out}…`;
}
const UNSAFE_CHAR = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]$/u;

/** Visible width of escaped text (code points; wide CJK characters count one). */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const _ of text) width++;
  return width;
}

/**
 * JSON.stringify, then C1, DEL, format characters and U+2028/U+2029 as \u escapes too: still
 * exactly the same value to any JSON reader, and safe to print on a terminal.
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(RAW_IN_JSON, (match) => {
    let out = '';
    for (let i = 0; i < match.length; i++) out += `\\u${hex(match.charCodeAt(i), 4)}`;
    return out;
  });
}
