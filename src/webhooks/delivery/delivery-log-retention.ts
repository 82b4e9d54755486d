import { Injectable } from '@nestjs/common';
import { PrunableTable, pruneOldRows } from '../../database/prune-walk';
import { Transactions } from '../../database/transactions';

/** Finished deliveries only (their attempts go with them, ON DELETE CASCADE): a pending one is still owed. */
const FINISHED_DELIVERIES: PrunableTable = {
  name: 'webhook_deliveries',
  deletable: "status <> 'pending' AND date_created < $cutoff",
  timeColumn: 'date_created',
};

/** An event's shared webhook body, once no delivery of the event is left (they refer to it). */
const EVENT_BODIES: PrunableTable = {
  name: 'webhook_event_bodies',
  deletable:
    'date_created < $cutoff AND NOT EXISTS ' +
    '(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_event_bodies.event_id)',
  timeColumn: 'date_created',
};

/**
 * Deletes delivered and failed deliveries created before a cutoff (WEBHOOK_LOG_RETENTION_DAYS), then the
 * shared bodies no delivery refers to any more.
 */
@Injectable()
export class DeliveryLogRetention {
  constructor(private readonly transactions: Transactions) {}

  async pruneFinishedBefore(cutoff: number, stopped: () => boolean): Promise<number> {
    const deliveries = await pruneOldRows(this.transactions, FINISHED_DELIVERIES, cutoff, stopped);
    await pruneOldRows(this.transactions, EVENT_BODIES, cutoff, stopped);
    return deliveries;
  }
}
