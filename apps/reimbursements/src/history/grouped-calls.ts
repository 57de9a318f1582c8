/**
 * Calls grouped while one is running: those that arrive while a run is in flight queue up and go
 * together in the next run (up to maxGroup at a time), the way PostgreSQL groups commits. `run`
 * answers one result per item, in order; a failed run fails every call of its group and the next
 * group is still run.
 *
 * A run never starts in the middle of a burst: when nothing is running, the first call waits for
 * the end of the current turn of the event loop (setImmediate), so the calls made in the same
 * turn go in one run. That matters when the callers are themselves one group: the reads of one
 * grouped statement resolve together and each traces its access; started at once, the first
 * trace went alone to Kafka and the others waited for the next produce (two produces, and two
 * broker fsyncs, per read group). The wait costs one turn of the loop, a few microseconds.
 */
export class GroupedCalls<In, Out> {
  private queue: Array<{
    item: In;
    resolve: (result: Out) => void;
    reject: (error: unknown) => void;
  }> = [];
  private running: Promise<void> | null = null;
  private inFlight: Promise<void> | null = null;

  /**
   * `gate`, when given, is asked before each run: a promise to wait for before the group is
   * taken (see AccessTraceWriter: the traces wait for the read statement in flight, so that its
   * reads' traces join them), or null to go at once. It is waited for once per run.
   */
  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly maxGroup: number,
    private readonly gate: () => Promise<void> | null = () => null,
  ) {}

  /**
   * The run in flight, resolved once its callers have been answered and the current turn of the
   * event loop has ended (what they did with the answer, such as calling another GroupedCalls, is
   * done by then); null when nothing runs.
   */
  whenRunDone(): Promise<void> | null {
    return this.inFlight;
  }

  call(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running)
        this.running = new Promise<void>((turnEnded) => setImmediate(turnEnded)).then(() =>
          this.drain(),
        );
    });
  }

  /** Waits for the calls already queued (shutdown). */
  async settle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const gate = this.gate();
        if (gate) await gate;
        const group = this.queue.splice(0, this.maxGroup);
        let runDone: () => void = () => undefined;
        this.inFlight = new Promise<void>((resolve) => (runDone = resolve));
        try {
          const results = await this.run(group.map((p) => p.item));
          group.forEach((p, i) => p.resolve(results[i]));
        } catch (error) {
          for (const p of group) p.reject(error);
        } finally {
          const done = runDone;
          this.inFlight = null;
          setImmediate(done);
        }
      }
    } finally {
      this.running = null;
    }
  }
}
