import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Transactions } from './transactions';

/** Rows deleted per transaction: the SQLite writer is held for one small DELETE at a time. */
export const PRUNE_BATCH = 500;

/** Which rows of a table may go, for {@link pruneOldRows}. Only the owning module's repository declares one. */
export interface PrunableTable {
  name: string;
  /** SQL condition on the rows that may go once older than the cutoff; `$cutoff` stands for it. */
  deletable: string;
  /**
   * Grows with the id (creation time), so the walk stops at the first batch that reaches the cutoff. A row whose
   * time is out of order (clocks of two instances) waits for a later pass, once the rows before it are old too.
   */
  timeColumn: string;
}

/**
 * Deletes the table's deletable rows older than `cutoff`, walking the primary key in batches: each batch is
 * found by a read (no extra index, no scan of the whole table under the writer) and deleted in its own short
 * transaction that checks the condition again, so a row that changed in between stays; the event loop gets a
 * turn between batches, so bookings never queue behind a long delete. Returns how many rows went.
 */
export async function pruneOldRows(
  transactions: Transactions,
  table: PrunableTable,
  cutoff: number,
  stopped: () => boolean,
): Promise<number> {
  // Only integers of our own making are spliced into the SQL (the cutoff, ids read from the table).
  const expired = table.deletable.replace('$cutoff', String(Math.trunc(cutoff)));
  let deleted = 0;
  let after = 0;
  while (!stopped()) {
    const rows: Array<{ id: number | string; expired: number | string; recent: number | string }> =
      await transactions.manager.query(
        `SELECT id, CASE WHEN ${expired} THEN 1 ELSE 0 END AS expired, ` +
          `CASE WHEN ${table.timeColumn} >= ${Math.trunc(cutoff)} THEN 1 ELSE 0 END AS recent ` +
          `FROM ${table.name} WHERE id > ${after} ORDER BY id LIMIT ${PRUNE_BATCH}`,
      );
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1].id);
    const ids = rows.filter((row) => Number(row.expired) === 1).map((row) => Number(row.id));
    if (ids.length > 0) deleted += await deleteBatch(transactions, table, ids, expired);
    if (rows.length < PRUNE_BATCH || rows.some((row) => Number(row.recent) === 1)) break;
    await yieldToEventLoop();
  }
  return deleted;
}

async function deleteBatch(
  transactions: Transactions,
  table: PrunableTable,
  ids: number[],
  expired: string,
): Promise<number> {
  return transactions.run(async (tx) => {
    // The structured result: the only form that says how many rows went on both drivers.
    const result = await tx.manager.queryRunner!.query(
      `DELETE FROM ${table.name} WHERE id IN (${ids.join(',')}) AND ${expired}`,
      [],
      true,
    );
    return (result as { affected?: number }).affected ?? 0;
  });
}
