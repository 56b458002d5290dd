// The secret masker: what the recorder stores for every free-text field and attribute value
// (validate -> mask -> encode -> append), so a secret never reaches a segment or checkpoint.
// Pure: no I/O, no clock. docs/masking.md is the contract (patterns, key names, the hook).
//
// A value passes the built-in patterns (unless `builtins: 'none'`) and the caller's patterns,
// all on the same text, the union of their matches masked (secret-spans.ts), repeated on the
// result until nothing changes (at most MASK_ROUNDS_MAX rounds); then the hook. The common case,
// text with no secret, costs the scans of secret-triggers.ts and nothing else; a built-in
// pattern runs only when one of its triggers fires.
import { ErrorCode, WalValidationError } from '../errors.js';
import { KeyNameMemo } from './secret-key-names.js';
import { builtinSecretPatterns } from './secret-patterns.js';
import {
  type CompiledPattern,
  collectSpans,
  compilePattern,
  GroupPlacement,
  maskSpans,
  REDACTED,
} from './secret-spans.js';
import { secretCandidates } from './secret-triggers.js';

export { builtinSecretPatterns, type SecretPattern } from './secret-patterns.js';

/**
 * What a secret is replaced by: `[REDACTED]`. No built-in pattern matches it, and a match that
 * lies inside an earlier mask is left alone, so masking is idempotent: mask(mask(x)) === mask(x).
 */
export { REDACTED } from './secret-spans.js';

/** Caller patterns a masker accepts. */
export const REDACT_PATTERNS_MAX = 64;
/** Rounds of masking before the masker stops looking for more (one finds all; a second confirms). */
export const MASK_ROUNDS_MAX = 4;
/** No built-in pattern matches a text shorter than this (`pwd=x`). */
const SECRET_CHARS_MIN = 5;

export interface RedactOptions {
  /** Extra patterns (a match is replaced by the mask; global flag added if missing). */
  patterns?: readonly RegExp[];
  /** Runs after the patterns on every masked field; returns what is stored. */
  hook?: (field: string, value: string) => string;
  /** 'default': the built-in patterns (the default); 'none': only `patterns` and `hook`. */
  builtins?: 'default' | 'none';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}

function invalid(message: string, cause?: unknown): WalValidationError {
  return new WalValidationError(
    ErrorCode.invalidArgument,
    message,
    cause === undefined ? undefined : { cause },
  );
}

export class SecretMasker {
  readonly #builtins: readonly CompiledPattern[];
  readonly #keyNames: KeyNameMemo | undefined;
  readonly #patterns: readonly CompiledPattern[];
  readonly #hook: ((field: string, value: string) => string) | undefined;

  constructor(options: RedactOptions = {}) {
    const { patterns = [], hook, builtins = 'default' } = options;
    if (builtins !== 'default' && builtins !== 'none')
      throw invalid(`redact.builtins must be 'default' or 'none', not ${String(builtins)}`);
    if (!Array.isArray(patterns) || patterns.some((p) => !(p instanceof RegExp)))
      throw invalid('redact.patterns must be an array of RegExp');
    if (patterns.length > REDACT_PATTERNS_MAX)
      throw new WalValidationError(
        ErrorCode.limitExceeded,
        `redact.patterns has ${patterns.length} patterns; at most ${REDACT_PATTERNS_MAX} are allowed`,
      );
    if (hook !== undefined && typeof hook !== 'function')
      throw invalid('redact.hook must be a function (field, value) => string');
    const withBuiltins = builtins === 'default';
    this.#builtins = withBuiltins
      ? builtinSecretPatterns.map((p) => compilePattern(p.pattern, GroupPlacement.suffix, p.accept))
      : [];
    this.#keyNames = withBuiltins ? new KeyNameMemo() : undefined;
    this.#patterns = patterns.map((p) => compilePattern(p, GroupPlacement.anywhere));
    this.#hook = hook;
  }

  /** The value to store for a free-text field ('output', 'error', 'progress.message', 'cancel.reason', 'step.error', ...). */
  text(field: string, value: string): string {
    const masked = this.#maskPatterns(value);
    return this.#hook === undefined ? masked : this.#runHook(field, masked);
  }

  /** An attribute value: also masked whole when its key names a secret (password, token, secret, api_key, authorization, ...). */
  attribute(key: string, value: string): string {
    const masked =
      this.#keyNames !== undefined && value.length > 0 && this.#keyNames.namesSecret(key)
        ? REDACTED
        : this.#maskPatterns(value);
    return this.#hook === undefined ? masked : this.#runHook(`attributes.${key}`, masked);
  }

  /** Masks what every pattern finds, again on the result until nothing changes (bounded). */
  #maskPatterns(value: string): string {
    let current = value;
    for (let round = 0; round < MASK_ROUNDS_MAX; round++) {
      const spans: number[] = [];
      const candidates =
        this.#builtins.length > 0 && current.length >= SECRET_CHARS_MIN
          ? secretCandidates(current)
          : 0;
      if (candidates !== 0)
        for (let i = 0; i < this.#builtins.length; i++)
          if ((candidates >>> i) & 1) collectSpans(this.#builtins[i]!, current, spans);
      for (const pattern of this.#patterns) collectSpans(pattern, current, spans);
      if (spans.length === 0) break;
      current = maskSpans(current, spans);
    }
    return current;
  }

  /** Fails closed: a hook that throws or returns a non-string stores nothing. */
  #runHook(field: string, value: string): string {
    let result: unknown;
    try {
      result = this.#hook!(field, value);
    } catch (error) {
      throw invalid(
        `the redact hook threw ${describe(error)} for field ${field}; the value was not stored`,
        error,
      );
    }
    if (typeof result !== 'string')
      throw invalid(
        `the redact hook returned ${describe(result)} for field ${field}, not a string; the value was not stored`,
      );
    return result;
  }
}
