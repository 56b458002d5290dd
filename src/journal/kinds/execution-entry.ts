// What every history entry of an execution's record carries from its earlier records.
import type { ExecutionContext } from '../record-kind.js';

export function withExecution<
  T extends { actionId?: string; source?: string; attributes?: Record<string, string> },
>(entry: T, known: ExecutionContext | undefined): T {
  if (!known) return entry;
  entry.actionId = known.actionId;
  entry.source = known.source;
  if (known.attributes !== undefined) entry.attributes = known.attributes;
  return entry;
}
