import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/*
 * Writes of rows that hold large JSON columns (a type's or member's schedule, up to 26,950 windows), without
 * TypeORM's `save`: save read the row again, then compared and merged each JSON column with it item by item,
 * 25–50 ms of the event loop for the largest schedule.
 */

type Row = ObjectLiteral & { id: number };

/**
 * Inserts a new row and sets its generated id on it. A copy goes in: TypeORM merges what PostgreSQL returns
 * (the id and the columns with defaults, untransformed: a price as "0.00") into the object it inserts.
 */
export async function insertRow<T extends Row>(
  manager: EntityManager,
  target: EntityTarget<T>,
  row: T,
): Promise<T> {
  const { identifiers } = await manager.insert(target, { ...row });
  row.id = Number(identifiers[0].id);
  return row;
}

/**
 * Writes every column of a row read before, as read and changed. The caller holds the row's lock from before
 * its read, so that no other write comes between.
 */
export async function updateRow<T extends Row>(
  manager: EntityManager,
  target: EntityTarget<T>,
  row: T,
): Promise<void> {
  const { id, ...columns } = row;
  await manager.update(target, { id }, columns as unknown as QueryDeepPartialEntity<T>);
}
