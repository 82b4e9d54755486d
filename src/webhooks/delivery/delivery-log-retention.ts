import { Injectable } from '@nestjs/common';
import { PrunableTable, pruneOldRows } from '../../database/prune-walk';
import { Transactions } from '../../database/transactions';

/** Finished deliveries only (their attempts go with them, ON DELETE CASCADE): a pending one is still owed. */
const FINISHED_DELIVERIES: PrunableTable = {
  name: 'webhook_deliveries',
  deletable: "status <> 'pending' AND date_created < $cutoff",
  timeColumn: 'date_created',
};

/** Deletes delivered and failed deliveries created before a cutoff (WEBHOOK_LOG_RETENTION_DAYS). */
@Injectable()
export class DeliveryLogRetention {
  constructor(private readonly transactions: Transactions) {}

  pruneFinishedBefore(cutoff: number, stopped: () => boolean): Promise<number> {
    return pruneOldRows(this.transactions, FINISHED_DELIVERIES, cutoff, stopped);
  }
}
