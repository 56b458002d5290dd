// The recording calls that are not one execution's lifecycle step: cleanups, and erasure
// (docs/lifecycle.md#erasure). Erasing is legal only for ended executions: a queued or running
// one must be cancelled first, so an erase record never hides work still going on.
import { WalStateError } from '../errors.js';
import { matchesFilter } from '../journal/erasure-set.js';
import { assertTransition } from '../journal/execution-lifecycle.js';
import { checkFields, checkString, tooLarge } from '../journal/field-checks.js';
import { cleanupKind } from '../journal/kinds/cleanup.js';
import { erasedKind } from '../journal/kinds/erased.js';
import type { CleanupPayload, ErasedPayload } from '../journal/journal-records.js';
import type { ExecutionDetail } from '../journal/journal-types.js';
import { defaults } from '../limits.js';
import { checkObject } from './call-checks.js';
import type { RecorderDeps } from './execution-recorder.js';
import { checkOptionKeys } from './option-keys.js';
import { type CleanupOptions, type EraseOptions, optionKeys } from './store-options.js';

export class ErasureRecorder {
  readonly #d: RecorderDeps;

  constructor(deps: RecorderDeps) {
    this.#d = deps;
  }

  async cleanup(scannerId: string, o: CleanupOptions): Promise<{ lsn: number }> {
    checkObject('cleanup options', o);
    checkOptionKeys('cleanup options', o, optionKeys.cleanup);
    const p: CleanupPayload = {
      scannerId,
      resourceId: o.resourceId,
      action: o.action,
      success: o.success,
      executedAt: o.executedAt ?? this.#d.now(),
    };
    if (o.error !== undefined) p.error = o.error;
    checkFields(cleanupKind.fields, p);
    return { lsn: await this.#d.write(cleanupKind, p) };
  }

  /** `find` reads the disk for an execution the state no longer remembers. */
  async eraseOne(
    executionId: string,
    o: { reason?: string },
    find: (id: string) => Promise<ExecutionDetail | undefined>,
  ): Promise<{ lsn: number }> {
    checkString('executionId', executionId, defaults.maxIdBytes, 'refused');
    checkOptionKeys('delete options', o, optionKeys.erase1);
    const { places, pending, state } = this.#d;
    let place = places.of(executionId);
    if (place === 'unknown') {
      const found = await find(executionId);
      if (found) place = found.status;
    }
    // 'unknown' here means no record of it is on disk either.
    if (place === 'unknown') throw new WalStateError(executionId, 'unknown', 'erase', []);
    assertTransition(executionId, place, 'erase');
    if (state.erased.ids.size + pending.erasedIds >= defaults.maxErasedIds)
      tooLarge(
        `${defaults.maxErasedIds} erased executions wait for compaction (maxErasedIds); run \`exec-wal compact\` first`,
      );
    const p: ErasedPayload = { erasedAt: this.#d.now(), executionIds: [executionId] };
    if (o.reason !== undefined) p.reason = o.reason;
    checkFields(erasedKind.fields, p);
    const settle = pending.accept(
      executionId,
      { place: 'erased', attempt: 0, steps: 0 },
      { erasedIds: 1 },
    );
    try {
      return { lsn: await this.#d.write(erasedKind, p) };
    } finally {
      settle();
    }
  }

  async eraseMatching(o: EraseOptions): Promise<{ lsn: number }> {
    checkOptionKeys('delete filter', o, optionKeys.erase);
    const p: ErasedPayload = { erasedAt: this.#d.now() };
    for (const key of ['actionId', 'before', 'attributes', 'reason'] as const) {
      if (o[key] !== undefined) (p as unknown as Record<string, unknown>)[key] = o[key];
    }
    checkFields(erasedKind.fields, p);
    const { state, pending, places } = this.#d;
    // Work still going on is never hidden: those must be cancelled (or left out) first.
    for (const live of state.table.live.values()) {
      const subject = { ...live, firstLsn: 0 };
      if (matchesFilter(p, subject))
        throw new WalStateError(live.executionId, places.ofLive(live), 'erase', ['cancel']);
    }
    if (state.erased.filters.length + pending.eraseFilters >= defaults.maxEraseFilters)
      tooLarge(
        `${defaults.maxEraseFilters} delete filters wait for compaction (maxEraseFilters); run \`exec-wal compact\` first`,
      );
    const settle = pending.accept(undefined, undefined, { eraseFilters: 1 });
    try {
      return { lsn: await this.#d.write(erasedKind, p) };
    } finally {
      settle();
    }
  }
}
