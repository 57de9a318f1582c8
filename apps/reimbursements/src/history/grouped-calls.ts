/**
 * Calls grouped while one is running: the first call runs alone; those that arrive while it
 * runs queue up and go together in the next run (up to maxGroup at a time), the way PostgreSQL
 * groups commits. `run` answers one result per item, in order; a failed run fails every call of
 * its group and the next group is still run.
 */
export class GroupedCalls<In, Out> {
  private queue: Array<{ item: In; resolve: (result: Out) => void; reject: (error: unknown) => void }> = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly maxGroup: number,
  ) {}

  call(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Waits for the calls already queued (shutdown). */
  async settle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.maxGroup);
        try {
          const results = await this.run(group.map((p) => p.item));
          group.forEach((p, i) => p.resolve(results[i]));
        } catch (error) {
          for (const p of group) p.reject(error);
        }
      }
    } finally {
      this.running = null;
    }
  }
}
