import { describe, expect, it } from 'vitest';
import { QuantileSketch, SKETCH_MAX_BINS, SKETCH_RELATIVE_ACCURACY } from '../../src/index.js';
import { withSeed } from '../support/random.js';

describe('QuantileSketch', () => {
  it('is within the relative accuracy of exact quantiles on random data', async () => {
    await withSeed('sketch', (random) => {
      const sketch = new QuantileSketch();
      const values = Array.from({ length: 20_000 }, () => Math.exp(random() * 12));
      for (const v of values) sketch.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
        const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
        const got = sketch.quantile(q)!;
        expect(Math.abs(got - exact) / exact, `q=${q}`).toBeLessThanOrEqual(
          SKETCH_RELATIVE_ACCURACY,
        );
      }
    });
  });

  it('counts zeros in their own bin and is empty-safe', () => {
    const sketch = new QuantileSketch();
    expect(sketch.quantile(0.5)).toBeUndefined();
    for (let i = 0; i < 9; i++) sketch.add(0);
    sketch.add(100);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(Math.abs(sketch.quantile(1)! - 100)).toBeLessThanOrEqual(1);
  });

  it('keeps at most SKETCH_MAX_BINS bins, collapsing the lowest, high quantiles stay accurate', () => {
    const sketch = new QuantileSketch();
    for (let e = -3; e <= 300; e += 0.01) sketch.add(10 ** (e / 10));
    const state = sketch.toState();
    expect(state.counts.length).toBeLessThanOrEqual(SKETCH_MAX_BINS);
    expect(sketch.collapsed).toBe(true);
    const top = 10 ** 30;
    expect(Math.abs(sketch.quantile(1)! - top) / top).toBeLessThanOrEqual(SKETCH_RELATIVE_ACCURACY);
  });

  it('round-trips through its state', () => {
    const sketch = new QuantileSketch();
    for (let i = 1; i <= 1000; i++) sketch.add(i);
    const copy = QuantileSketch.fromState(sketch.toState());
    expect(copy.count).toBe(1000);
    for (const q of [0.1, 0.5, 0.99]) expect(copy.quantile(q)).toBe(sketch.quantile(q));
  });
});
