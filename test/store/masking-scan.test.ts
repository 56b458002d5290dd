// Secrets never reach disk (issue 13, docs/masking.md): every planted secret goes in through
// every entry point that takes free text, attribute values or a request document, the store
// checkpoints, and then every byte of every file in the journal directory (segments and
// checkpoints) is scanned for each secret: zero hits. With masking turned off the same scan must
// find them (so the scan itself can fail).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WalStore } from '../../src/store/wal-store.js';
import { plantedAttributes, plantedSecrets } from '../support/planted-secrets.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

/** Plants every secret through every entry point; returns the secrets that must not be on disk. */
async function plantEverywhere(store: WalStore): Promise<string[]> {
  const secrets = new Set<string>();
  let n = 0;
  for (const planted of plantedSecrets) {
    secrets.add(planted.secret);
    const text = planted.text.slice(0, 4000);
    const { executionId } = await store.actionExecutionQueued('deploy', {
      attributes: { note: text.slice(0, 256) },
      request: { args: [text], nested: { value: text } },
      maxAttempts: 2,
    });
    await store.actionExecutionStarted('deploy', {
      executionId,
      attributes: { env: text.slice(0, 256) },
    });
    await store.actionExecutionProgress(executionId, { percent: 10, message: text });
    await store.executionStepCompleted(executionId, `step-${n}`, { success: false, error: text });
    await store.actionExecutionCompleted('deploy', {
      executionId,
      success: false,
      error: text,
      output: text,
      retryAt: 0,
    });
    await store.actionExecutionCancelled(executionId, { actor: 'ops', reason: text });
    const oneShot = await store.actionExecutionStarted('scan');
    await store.actionExecutionCompleted('scan', {
      executionId: oneShot.executionId,
      success: true,
      output: text,
    });
    await store.cleanupExecuted('sweeper', {
      resourceId: `r-${n}`,
      action: 'release',
      success: false,
      error: text,
    });
    await store.deleteExecutions({ actionId: `nothing-${n}`, reason: text });
    n += 1;
  }
  for (const attribute of plantedAttributes) {
    secrets.add(attribute.secret);
    const { executionId } = await store.actionExecutionStarted('login', {
      attributes: { [attribute.key]: attribute.value },
    });
    await store.actionExecutionCompleted('login', { executionId, success: true });
    await store.actionExecutionQueued('login', { request: { [attribute.key]: attribute.value } });
  }
  await store.checkpoint();
  return [...secrets];
}

function bytesOnDisk(dir: string): Buffer {
  return Buffer.concat(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name))),
  );
}

describe('secret masking before bytes reach disk', () => {
  it('leaves no planted secret in any segment or checkpoint byte', async () => {
    const dir = tempDir('masking-scan');
    const store = await WalStore.open(dir, { maxSegmentBytes: 64 * 1024 });
    const secrets = await plantEverywhere(store);
    await store.close();
    const disk = bytesOnDisk(dir);
    expect(readdirSync(dir).some((name) => name.endsWith('.ckpt'))).toBe(true);
    const found = secrets.filter((secret) => disk.includes(Buffer.from(secret, 'utf8')));
    expect(found, 'secrets found on disk').toEqual([]);
    expect(secrets.length).toBeGreaterThanOrEqual(plantedSecrets.length / 2);
  });

  it('finds them all when masking is turned off (the scan can fail)', async () => {
    const dir = tempDir('masking-scan-off');
    const store = await WalStore.open(dir, { redact: { builtins: 'none' } });
    const secrets = await plantEverywhere(store);
    await store.close();
    const disk = bytesOnDisk(dir);
    const missing = secrets.filter((secret) => !disk.includes(Buffer.from(secret, 'utf8')));
    // The Basic credentials are planted base64-encoded (the secret is their decoded form).
    expect(
      missing.every((secret) =>
        plantedSecrets.some((p) => p.secret === secret && p.pattern.includes('basic')),
      ),
    ).toBe(true);
  });

  it('applies caller patterns and the hook, which sees each field by its name', async () => {
    const seen: string[] = [];
    const store = WalStore.openInMemory({
      redact: {
        patterns: [/ticket-\d+/g],
        hook: (field, value) => {
          seen.push(field);
          return value.replace('internal', '[internal]');
        },
      },
    });
    const { executionId } = await store.actionExecutionStarted('a');
    await store.actionExecutionProgress(executionId, { percent: 1, message: 'ticket-42 internal' });
    await store.actionExecutionCompleted('a', {
      executionId,
      success: false,
      error: 'see ticket-7',
    });
    const [done] = store.recentActionExecutions(1);
    expect(done?.error).toBe('see [REDACTED]');
    expect(seen).toEqual(expect.arrayContaining(['progress.message', 'error']));
  });
});
