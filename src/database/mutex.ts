/** A FIFO async mutex: each `run` starts after the previous one settled. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  run<T>(work: () => Promise<T>): Promise<T> {
    this.queued += 1;
    const start = () => {
      this.queued -= 1;
      return work();
    };
    const result = this.tail.then(start, start);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** How many `run`s wait for their turn (the running one not counted). */
  get waiting(): number {
    return this.queued;
  }
}
