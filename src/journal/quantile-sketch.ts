// A DDSketch-style quantile sketch (Masson, Rim, Lee, VLDB 2019) for durations in ms.
//
// Values > 0 fall into logarithmic bins of ratio gamma = (1 + a) / (1 - a); every quantile it
// returns is within relative error a = 1% of the exact nearest-rank quantile (the value at
// 1-based rank ceil(q * n): p99 of 100 values is the 99th smallest, p99 of 2 values the larger),
// as long as no bins were collapsed. At most `maxBins` bins (a dense window of counts) are
// kept: when a new value would widen the window past that, the lowest bins are merged into
// the lowest kept one, so only the very smallest quantiles lose accuracy (DDSketch's
// "collapsing lowest" store). Zero (and sub-0.001 ms) values are counted in a zero bin.
//
// Why not @datadog/sketches-js: same algorithm, but its state is only serialisable through
// protobuf; this one is ~100 lines, has no dependency and round-trips through msgpack in
// checkpoints. Memory: at most maxBins * 8 bytes per sketch (8 KiB at the default 1024).

export const SKETCH_RELATIVE_ACCURACY = 0.01;
export const SKETCH_MAX_BINS = 1024;
const MIN_INDEXABLE = 1e-3;

const gamma = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const logGamma = Math.log(gamma);

export interface SketchState {
  zeroCount: number;
  offset: number;
  counts: number[];
  collapsed: boolean;
}

export class QuantileSketch {
  #zeroCount = 0;
  /** Bin index of counts[0]. */
  #offset = 0;
  #counts: number[] = [];
  #total = 0;
  #collapsed = false;

  static fromState(state: SketchState): QuantileSketch {
    const sketch = new QuantileSketch();
    sketch.#zeroCount = state.zeroCount;
    sketch.#offset = state.offset;
    sketch.#counts = [...state.counts];
    sketch.#collapsed = state.collapsed;
    sketch.#total = state.zeroCount + state.counts.reduce((a, b) => a + b, 0);
    return sketch;
  }

  toState(): SketchState {
    return {
      zeroCount: this.#zeroCount,
      offset: this.#offset,
      counts: [...this.#counts],
      collapsed: this.#collapsed,
    };
  }

  get count(): number {
    return this.#total;
  }

  /** True once bins were merged: the lowest quantiles may then be above their bound. */
  get collapsed(): boolean {
    return this.#collapsed;
  }

  add(value: number): void {
    this.#total += 1;
    if (value < MIN_INDEXABLE) {
      this.#zeroCount += 1;
      return;
    }
    const index = Math.ceil(Math.log(value) / logGamma);
    if (this.#counts.length === 0) {
      this.#offset = index;
      this.#counts.push(1);
      return;
    }
    if (index < this.#offset) {
      const grow = this.#offset - index;
      if (this.#counts.length + grow > SKETCH_MAX_BINS) {
        // Below the window and no room: count it in the lowest kept bin.
        this.#collapsed = true;
        this.#counts[0]! += 1;
        return;
      }
      this.#counts.unshift(...new Array<number>(grow).fill(0));
      this.#offset = index;
    }
    let at = index - this.#offset;
    if (at >= SKETCH_MAX_BINS) {
      // Above the window: slide it up, merging the lowest bins into the new lowest one.
      const shift = at - SKETCH_MAX_BINS + 1;
      const merged = this.#counts
        .splice(0, Math.min(shift, this.#counts.length))
        .reduce((a, b) => a + b, 0);
      this.#offset += shift;
      if (this.#counts.length === 0) this.#counts.push(0);
      this.#counts[0]! += merged;
      if (merged > 0) this.#collapsed = true;
      at = index - this.#offset;
    }
    while (this.#counts.length <= at) this.#counts.push(0);
    this.#counts[at]! += 1;
  }

  /** The value at quantile q in [0, 1]; undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.#total === 0) return undefined;
    // 0-based nearest rank.
    const rank = Math.max(0, Math.ceil(q * this.#total) - 1);
    if (rank < this.#zeroCount) return 0;
    let seen = this.#zeroCount;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i]!;
      if (seen > rank) return (2 * gamma ** (i + this.#offset)) / (gamma + 1);
    }
    return (2 * gamma ** (this.#counts.length - 1 + this.#offset)) / (gamma + 1);
  }
}
