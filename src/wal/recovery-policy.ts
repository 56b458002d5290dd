// What to do about damage, as a decision table (docs/recovery.md). The reader classifies damage;
// this table alone decides the action. test/wal/recovery-policy.test.ts checks that every
// (mode, damage) pair matches exactly one row.

export const RecoveryMode = {
  tolerateTail: 'tolerate-tail',
  strict: 'strict',
  pointInTime: 'point-in-time',
  salvage: 'salvage',
} as const;
export type RecoveryMode = (typeof RecoveryMode)[keyof typeof RecoveryMode];
export const recoveryModes: readonly RecoveryMode[] = Object.values(RecoveryMode);

/**
 * - `torn-tail`: damage in the last segment after which no frame with the next LSN checks
 *   (a partial frame or batch, zeros, garbage, a torn segment header): a crash artefact.
 * - `mid-log`: anything else: damage in a sealed segment, damage followed by valid frames, a
 *   checksummed frame out of sequence, a gap or overlap between segments.
 */
export type DamageKind = 'torn-tail' | 'mid-log';

/**
 * - `stop-at-tail`: the log ends before the damage; a writer cuts it off (after a backup).
 * - `stop-and-report`: the log ends before the damage; nothing on disk changes.
 * - `skip`: report the damaged range and go on at the next frame that checks.
 * - `refuse`: throw WalCorruptionError.
 */
export type RecoveryAction = 'stop-at-tail' | 'stop-and-report' | 'skip' | 'refuse';

export interface PolicyRow {
  mode: RecoveryMode;
  damage: DamageKind;
  action: RecoveryAction;
}

export const recoveryTable: readonly PolicyRow[] = [
  { mode: 'tolerate-tail', damage: 'torn-tail', action: 'stop-at-tail' },
  { mode: 'tolerate-tail', damage: 'mid-log', action: 'refuse' },
  { mode: 'strict', damage: 'torn-tail', action: 'refuse' },
  { mode: 'strict', damage: 'mid-log', action: 'refuse' },
  { mode: 'point-in-time', damage: 'torn-tail', action: 'stop-and-report' },
  { mode: 'point-in-time', damage: 'mid-log', action: 'stop-and-report' },
  { mode: 'salvage', damage: 'torn-tail', action: 'stop-and-report' },
  { mode: 'salvage', damage: 'mid-log', action: 'skip' },
];

export function recoveryAction(mode: RecoveryMode, damage: DamageKind): RecoveryAction {
  const row = recoveryTable.find((r) => r.mode === mode && r.damage === damage);
  if (!row) throw new Error(`no recovery rule for ${mode}/${damage}`);
  return row.action;
}

/** Modes a writer may open with: the others never change the disk, so they are read modes. */
export function isWriterMode(mode: RecoveryMode): boolean {
  return mode === 'tolerate-tail' || mode === 'strict';
}
