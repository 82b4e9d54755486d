import { Injectable } from '@nestjs/common';
import { DeepPartial, EntityManager } from 'typeorm';
import { Transactions } from '../database/transactions';
import { BlackoutEntity } from './blackout.entity';
import { type BlackoutSpan, MAX_BLACKOUT_MS } from './blackout.types';

/** The blackouts table's queries, in the caller's transaction when there is one. */
@Injectable()
export class BlackoutsRepository {
  constructor(private readonly transactions: Transactions) {}

  private get manager(): EntityManager {
    return this.transactions.manager;
  }

  page(limit: number, offset: number): Promise<[BlackoutEntity[], number]> {
    return this.manager.findAndCount(BlackoutEntity, {
      order: { start_at: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  find(id: number): Promise<BlackoutEntity | null> {
    return this.manager.findOneBy(BlackoutEntity, { id });
  }

  create(fields: DeepPartial<BlackoutEntity>): BlackoutEntity {
    return this.manager.create(BlackoutEntity, fields);
  }

  save(blackout: BlackoutEntity): Promise<BlackoutEntity> {
    return this.manager.save(blackout);
  }

  async delete(id: number): Promise<void> {
    await this.manager.delete(BlackoutEntity, { id });
  }

  /**
   * The blackouts overlapping `[from, to)` within `scope`: site-wide ones, those of `typeIds` (all types
   * when undefined) and those of `hostIds` (all members when undefined). `start_at` is bounded on both
   * sides (a blackout is at most MAX_BLACKOUT_MS long), so the index serves the query however many past
   * blackouts there are.
   */
  async overlapping(scope: {
    from: number;
    to: number;
    typeIds?: number[];
    hostIds?: number[];
  }): Promise<BlackoutSpan[]> {
    const scoped = scope.typeIds !== undefined || scope.hostIds !== undefined;
    const rows = await this.transactions.sql<SpanRow>(this.overlappingSql(), [
      scope.to,
      scope.from - MAX_BLACKOUT_MS - 1,
      scope.from,
      scoped ? 1 : 0,
      scope.typeIds ?? [],
      scope.hostIds ?? [],
    ]);
    return rows.map((row) => ({
      id: Number(row.id),
      start: Number(row.start_at),
      end: Number(row.end_at),
      appointment_type_id: row.appointment_type_id === null ? null : Number(row.appointment_type_id),
      team_member_id: row.team_member_id === null ? null : Number(row.team_member_id),
    }));
  }

  /** Unscoped ($4 = 0): every blackout in the range; scoped: site-wide ones, the types' ($5) and the hosts' ($6). */
  private overlappingSql(): string {
    return (
      'SELECT id, start_at, end_at, appointment_type_id, team_member_id FROM blackouts ' +
      'WHERE start_at < $1 AND start_at > $2 AND end_at > $3 AND ($4 = 0 ' +
      'OR (appointment_type_id IS NULL AND team_member_id IS NULL) ' +
      `OR ${this.transactions.inList('appointment_type_id', '$5')} ` +
      `OR ${this.transactions.inList('team_member_id', '$6')}) ` +
      'ORDER BY start_at, id'
    );
  }
}

interface SpanRow {
  id: number;
  start_at: number | string;
  end_at: number | string;
  appointment_type_id: number | null;
  team_member_id: number | null;
}
