/** The outcome of one invariant, expected against observed. */
export interface InvariantResult {
  name: string;
  /** What the invariant says, in one sentence. */
  description: string;
  /** Items that must be there (answered by the suite). */
  expected: number;
  /** Items found. */
  observed: number;
  /** Expected items missing. */
  lost: number;
  /** Items found more than once (or counted more than once). */
  duplicated: number;
  /** Items found that nothing explains (e.g. a document in another patient's record). */
  unexpected: number;
  /** Items whose outcome the simulator could not know (a process died under the request): allowed once or not at all. */
  uncertain: number;
  holds: boolean;
  /** A few concrete discrepancies, to start the investigation from. */
  examples: string[];
}

/** Running tally of one invariant over many keys (patients, figures). */
export class Tally {
  expected = 0;
  observed = 0;
  lost = 0;
  duplicated = 0;
  unexpected = 0;
  uncertain = 0;
  readonly examples: string[] = [];

  constructor(
    readonly name: string,
    readonly description: string,
  ) {}

  example(text: string): void {
    if (this.examples.length < 10) this.examples.push(text);
  }

  add(other: KeyOutcome, where: string): void {
    this.expected += other.expected;
    this.observed += other.observed;
    this.lost += other.lost;
    this.duplicated += other.duplicated;
    this.unexpected += other.unexpected;
    this.uncertain += other.uncertain;
    for (const detail of other.details) this.example(`${where}: ${detail}`);
  }

  result(): InvariantResult {
    return {
      name: this.name,
      description: this.description,
      expected: this.expected,
      observed: this.observed,
      lost: this.lost,
      duplicated: this.duplicated,
      unexpected: this.unexpected,
      uncertain: this.uncertain,
      holds: this.lost === 0 && this.duplicated === 0 && this.unexpected === 0,
      examples: [...this.examples],
    };
  }
}

/** One key's comparison (one patient's documents, one figure). */
export interface KeyOutcome {
  expected: number;
  observed: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  uncertain: number;
  details: string[];
}

export function isClean(outcome: KeyOutcome): boolean {
  return outcome.lost === 0 && outcome.duplicated === 0 && outcome.unexpected === 0;
}

/**
 * Items with identities: each certain item must be seen exactly once, each uncertain item at
 * most once, and nothing else may be seen. `observed` maps an identity to how many times it
 * was seen; `mismatch` says why a seen item is not the expected one (e.g. another hash).
 */
export function compareItems(
  certain: ReadonlySet<string>,
  uncertain: ReadonlySet<string>,
  observed: ReadonlyMap<string, number>,
  mismatch: (id: string) => string | undefined = () => undefined,
): KeyOutcome {
  const outcome: KeyOutcome = {
    expected: certain.size,
    observed: 0,
    lost: 0,
    duplicated: 0,
    unexpected: 0,
    uncertain: uncertain.size,
    details: [],
  };
  for (const [id, count] of observed) {
    outcome.observed += count;
    if (count > 1) {
      outcome.duplicated += count - 1;
      outcome.details.push(`${id} seen ${count} times`);
    }
    if (!certain.has(id) && !uncertain.has(id)) {
      outcome.unexpected++;
      outcome.details.push(`${id} present but not expected here`);
    } else {
      const why = mismatch(id);
      if (why) {
        outcome.unexpected++;
        outcome.details.push(`${id}: ${why}`);
      }
    }
  }
  for (const id of certain) {
    if (!observed.has(id)) {
      outcome.lost++;
      outcome.details.push(`${id} missing`);
    }
  }
  return outcome;
}

/**
 * A count without identities (trace entries, stored lines, an analytics figure): it must lie
 * between the certain count and the certain count plus the uncertain ones.
 */
export function compareCount(
  expected: number,
  uncertain: number,
  observed: number,
  what: string,
): KeyOutcome {
  const lost = Math.max(0, expected - observed);
  const duplicated = Math.max(0, observed - expected - uncertain);
  const details: string[] = [];
  if (lost)
    details.push(
      `${what}: expected ${expected}${uncertain ? ` (+${uncertain} uncertain)` : ''}, observed ${observed}: ${lost} missing`,
    );
  if (duplicated)
    details.push(
      `${what}: expected ${expected}${uncertain ? ` (+${uncertain} uncertain)` : ''}, observed ${observed}: ${duplicated} too many`,
    );
  return { expected, observed, lost, duplicated, unexpected: 0, uncertain, details };
}
