import { Injectable } from '@nestjs/common';
import { PrunableTable, pruneOldRows } from '../database/prune-walk';
import { Transactions } from '../database/transactions';

/** Handled events only: an unhandled one is still owed to its listeners, however old. */
const HANDLED_EVENTS: PrunableTable = {
  name: 'outbox_events',
  deletable: 'handled_at IS NOT NULL AND handled_at < $cutoff',
  timeColumn: 'occurred_at',
};

/** Deletes the outbox rows that every listener handled before a cutoff (OUTBOX_RETENTION_DAYS). */
@Injectable()
export class OutboxRetention {
  constructor(private readonly transactions: Transactions) {}

  pruneHandledBefore(cutoff: number, stopped: () => boolean): Promise<number> {
    return pruneOldRows(this.transactions, HANDLED_EVENTS, cutoff, stopped);
  }
}
