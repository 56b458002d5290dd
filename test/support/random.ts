// Seeded randomness for tests: every randomized test takes SEED from the environment (or makes
// one), prints it when it fails, and replays exactly from it.

/** mulberry32: small, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for this run: SEED from the environment, else a fresh one. */
export function testSeed(): number {
  const fromEnv = process.env.SEED;
  return fromEnv ? Number(fromEnv) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/** Runs `body` with a seeded generator; on failure the error message names the seed. */
export async function withSeed<T>(
  label: string,
  body: (random: () => number, seed: number) => T | Promise<T>,
): Promise<T> {
  const seed = testSeed();
  try {
    return await body(seededRandom(seed), seed);
  } catch (error) {
    const tag = `[${label}] replay with SEED=${seed}`;
    if (error instanceof Error) {
      error.message = `${tag}: ${error.message}`;
      throw error;
    }
    throw new Error(`${tag}: ${String(error)}`, { cause: error });
  }
}

/**
 * fast-check's seed for a run of `withSeed`: the same SEED, as the int32 fast-check takes, so
 * that a property failure replays with SEED=<n> like every other randomized test.
 */
export function fastCheckSeed(seed: number): number {
  return seed | 0;
}

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function randomBytesFrom(random: () => number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** The tier from `make torture` (EXEC_WAL_TIER=torture) or the fast default. */
export const tier: 'fast' | 'torture' =
  process.env.EXEC_WAL_TIER === 'torture' ? 'torture' : 'fast';
