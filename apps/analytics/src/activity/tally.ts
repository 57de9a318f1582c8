/**
 * Sums of deltas per key, built in memory from one batch of events so that a batch costs one
 * multi-row upsert per counter table instead of one statement per event.
 */
export class Tally {
  private readonly sums = new Map<string, { key: string[]; deltas: number[] }>();

  constructor(private readonly width: number) {}

  /** Adds `deltas` (one per counter column) to the counters of `key`. */
  add(key: string[], ...deltas: number[]): void {
    if (deltas.length !== this.width) throw new RangeError(`expected ${this.width} deltas, got ${deltas.length}`);
    const id = key.join('\u0000');
    const entry = this.sums.get(id);
    if (!entry) {
      this.sums.set(id, { key, deltas: [...deltas] });
      return;
    }
    for (let i = 0; i < deltas.length; i++) entry.deltas[i] += deltas[i];
  }

  get size(): number {
    return this.sums.size;
  }

  /**
   * The entries without the all-zero ones, sorted by key: concurrent transactions then lock
   * counter rows in the same order, which keeps them from deadlocking each other.
   */
  entries(): Array<{ key: string[]; deltas: number[] }> {
    return [...this.sums.entries()]
      .filter(([, e]) => e.deltas.some((d) => d !== 0))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, e]) => e);
  }

  /** The entries as column arrays, ready for `unnest($1::text[], ...)`. */
  columns(): { keys: string[][]; deltas: number[][] } {
    const entries = this.entries();
    const keyWidth = entries[0]?.key.length ?? 0;
    return {
      keys: Array.from({ length: keyWidth }, (_, i) => entries.map((e) => e.key[i])),
      deltas: Array.from({ length: this.width }, (_, i) => entries.map((e) => e.deltas[i])),
    };
  }
}

/** The items with one per key, the last one seen winning (a batch may carry a key twice). */
export function lastByKey<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(keyOf(item), item);
  return [...byKey.values()];
}

/**
 * The items with one per key, the first one seen winning. For facts inserted with ON CONFLICT DO
 * NOTHING, where the first event of a key in partition order wins across batches: keeping the
 * first within a batch too makes the winner independent of where batches happen to be cut (a
 * replay cuts them elsewhere).
 */
export function firstByKey<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    if (!byKey.has(key)) byKey.set(key, item);
  }
  return [...byKey.values()];
}

/** Sorted distinct values. */
export function sortedDistinct(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
