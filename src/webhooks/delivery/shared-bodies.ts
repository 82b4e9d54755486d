import type { Transactions } from '../../database/transactions';
import { spliceSsaToken } from '../payload/ssa-payload';

/** A delivery as stored: its own body in `payload`, or, with `shared_body`, its event's (payload empty). */
export interface StoredBody {
  event_id: number | string | null;
  webhook_id: number | string;
  shared_body: boolean | number;
  payload: string;
}

interface BodyRow {
  event_id: number | string;
  head: string;
  tail: string;
}

interface TokenRow {
  id: number | string;
  token: string;
}

export function isShared(delivery: StoredBody): boolean {
  // SQLite answers raw booleans as 0/1.
  return Number(delivery.shared_body) === 1;
}

/**
 * Sets `payload` of the deliveries that share their event's body to their exact body: the event's head and
 * tail around the webhook's token (tokens never change). Two prepared statements for all of them, in the
 * caller's transaction if any; deliveries with a body of their own are left as they are.
 */
export async function fillSharedBodies<T extends StoredBody>(
  transactions: Transactions,
  deliveries: T[],
): Promise<T[]> {
  const shared = deliveries.filter(isShared);
  if (shared.length === 0) return deliveries;
  const eventIds = [...new Set(shared.map((delivery) => Number(delivery.event_id)))];
  const webhookIds = [...new Set(shared.map((delivery) => Number(delivery.webhook_id)))];
  const bodies = await transactions.sql<BodyRow>(
    `SELECT event_id, head, tail FROM webhook_event_bodies WHERE ${transactions.inList('event_id', '$1')}`,
    [eventIds],
  );
  const tokens = await transactions.sql<TokenRow>(
    `SELECT id, token FROM webhooks WHERE ${transactions.inList('id', '$1')}`,
    [webhookIds],
  );
  const bodyOf = new Map(bodies.map((row) => [Number(row.event_id), row]));
  const tokenOf = new Map(tokens.map((row) => [Number(row.id), row.token]));
  for (const delivery of shared) {
    const body = bodyOf.get(Number(delivery.event_id));
    const token = tokenOf.get(Number(delivery.webhook_id));
    if (body === undefined || token === undefined) {
      throw new Error(`the body of event ${delivery.event_id} for webhook ${delivery.webhook_id} is missing`);
    }
    delivery.payload = spliceSsaToken(body, token);
  }
  return deliveries;
}
