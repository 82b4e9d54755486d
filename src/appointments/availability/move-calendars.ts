import type { Slot } from './slot-engine';

/**
 * A move's starts (see `AvailabilityService.availability`) from the slots of the type's calendar and of each of
 * the appointment's own hosts: on a type without hosts, the type's starts where every own host is free;
 * otherwise the type's starts and those where every own host is free. Merged as they come (every calendar
 * gives its slots in time order), so that the caller still works in slices: a batch every `batchSize` steps,
 * some of them empty.
 */
export function* movable(
  typeCalendar: Iterable<Slot[]>,
  ownCalendars: Iterable<Slot[]>[],
  hostless: boolean,
  batchSize: number,
): Generator<Slot[]> {
  const type = new SlotCursor(typeCalendar);
  const [first, ...others] = ownCalendars.map((calendar) => new SlotCursor(calendar));
  // Whether every own host is free at `start` (null: a calendar has yet to work out more of its slots).
  const ownFreeAt = (start: number): boolean | null => {
    for (const other of others) {
      const slot = other.seek(start);
      if (slot === PENDING) return null;
      if (slot?.start !== start) return false;
    }
    return true;
  };
  // One step passes at most one slot, and works out at most one batch of a calendar: the move's next slot;
  // null when there is none yet (that slot was not the move's, or a calendar worked); undefined at the end.
  const step = (): Slot | null | undefined => {
    const own = first.peek();
    if (own === PENDING) return null;
    if (hostless) {
      if (own === undefined) return undefined;
      const free = ownFreeAt(own.start);
      if (free === null) return null;
      const typed = free ? type.seek(own.start) : undefined;
      if (typed === PENDING) return null;
      first.next();
      return typed?.start === own.start ? typed : null;
    }
    const typed = type.peek();
    if (typed === PENDING) return null;
    // The earlier of the two; at the same start, the type's (its seats).
    if (typed !== undefined && (own === undefined || typed.start <= own.start)) {
      type.next();
      if (own?.start === typed.start) first.next();
      return typed;
    }
    if (own === undefined) return undefined;
    const free = ownFreeAt(own.start);
    if (free === null) return null;
    first.next();
    return free ? own : null;
  };
  let batch: Slot[] = [];
  let steps = 0;
  for (let slot = step(); slot !== undefined; slot = step()) {
    if (slot !== null) batch.push(slot);
    if (++steps >= batchSize) {
      yield batch;
      batch = [];
      steps = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/** A calendar's next batch of slots is still to be worked out (see SlotCursor). */
const PENDING = Symbol('pending');

/**
 * Walks a calendar's batches slot by slot, working out its next batch only when it is needed, and no more than
 * one a call: a call that would need another answers PENDING, so that the caller can let other work run.
 */
class SlotCursor {
  private readonly batches: Iterator<Slot[]>;
  private batch: Slot[] = [];
  private index = 0;
  private ended = false;

  constructor(calendar: Iterable<Slot[]>) {
    this.batches = calendar[Symbol.iterator]();
  }

  peek(): Slot | undefined | typeof PENDING {
    return this.index < this.batch.length ? this.batch[this.index] : this.pull();
  }

  next(): void {
    this.index += 1;
  }

  /** The first slot at or after `start`, passing those before it. */
  seek(start: number): Slot | undefined | typeof PENDING {
    let pulled = false;
    for (;;) {
      if (this.index < this.batch.length) {
        if (this.batch[this.index].start >= start) return this.batch[this.index];
        this.index += 1;
        continue;
      }
      if (pulled) return PENDING;
      pulled = true;
      const slot = this.pull();
      if (slot === undefined || slot === PENDING) return slot;
    }
  }

  private pull(): Slot | undefined | typeof PENDING {
    if (this.ended) return undefined;
    const next = this.batches.next();
    if (next.done) {
      this.ended = true;
      return undefined;
    }
    this.batch = next.value;
    this.index = 0;
    return this.batch.length > 0 ? this.batch[0] : PENDING;
  }
}
