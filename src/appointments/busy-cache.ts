import type { BusyAppointment } from './availability/slot-engine';
import type { BusyScope } from './appointments.repository';

/**
 * The most appointments the cache holds over all its entries: a month of a busy type is about 10,000. Each
 * entry counts one more than its appointments, so that empty lists (one per date range asked for) are bounded too.
 */
const MAX_ROWS = 100_000;

interface Entry {
  generation: number;
  foreign: number;
  busy: readonly BusyAppointment[];
}

/**
 * The busy lists that availability reads, kept per scope until the appointments change: a booking page
 * asks for the same month again and again, and reading its ten thousand appointments is most of the answer's
 * cost (issue 12, target 5). Booking checks never read from here: they read under the booking lock.
 *
 * Every write to the appointments (or their host rows) is a change, and stays open until its transaction has
 * committed or rolled back. A list is kept only if it was read while no write was open and nothing changed
 * meanwhile, so it never holds an uncommitted (perhaps rolled-back) write; it is served only while nothing
 * has changed since. Another process's commits are seen through
 * `foreign` (SQLite's data_version); where they cannot be seen (PostgreSQL, other instances) nothing is kept.
 */
export class BusyCache {
  /** Changes so far: a list read at one generation is current while the generation stays. */
  private generation = 0;
  /** Writes whose transactions have not settled yet. */
  private open = 0;
  /** In least recently used order (a Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>();
  private rows = 0;

  /** A write begins; the callback returned is to be called once its transaction has settled. */
  writing(): () => void {
    this.generation++;
    this.open++;
    return () => {
      this.open--;
    };
  }

  /** The busy list of `scope`, from memory when still current, else from `load` (and kept when it may be). */
  async read(
    scope: BusyScope,
    foreign: number | undefined,
    load: () => Promise<BusyAppointment[]>,
  ): Promise<readonly BusyAppointment[]> {
    if (foreign === undefined) return load();
    const key = `${scope.typeId}:${scope.hostIds.join(',')}:${scope.from}:${scope.to}`;
    const hit = this.drop(key);
    if (hit !== undefined && hit.generation === this.generation && hit.foreign === foreign) {
      this.entries.set(key, hit);
      this.rows += weight(hit);
      return hit.busy;
    }
    const generation = this.generation;
    const clean = this.open === 0;
    const busy = await load();
    if (clean && this.open === 0 && generation === this.generation)
      this.keep(key, { generation, foreign, busy });
    return busy;
  }

  private keep(key: string, entry: Entry): void {
    if (weight(entry) > MAX_ROWS) return;
    // Two reads of one scope that loaded side by side both keep it: the second replaces the first.
    this.drop(key);
    this.entries.set(key, entry);
    this.rows += weight(entry);
    for (const oldest of this.entries.keys()) {
      if (this.rows <= MAX_ROWS) break;
      this.drop(oldest);
    }
  }

  /** Removes the entry of `key` (and its weight), returning it. */
  private drop(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      this.entries.delete(key);
      this.rows -= weight(entry);
    }
    return entry;
  }
}

function weight(entry: Entry): number {
  return entry.busy.length + 1;
}
