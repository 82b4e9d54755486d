import { Injectable } from '@nestjs/common';
import { Brackets, DeepPartial, EntityManager } from 'typeorm';
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
    const query = this.manager
      .createQueryBuilder(BlackoutEntity, 'b')
      .where('b.start_at < :to AND b.start_at > :earliest AND b.end_at > :from', {
        to: scope.to,
        from: scope.from,
        earliest: scope.from - MAX_BLACKOUT_MS - 1,
      });
    if (scope.typeIds !== undefined || scope.hostIds !== undefined) {
      const { typeIds = [], hostIds = [] } = scope;
      query.andWhere(
        new Brackets((where) => {
          where.where('b.appointment_type_id IS NULL AND b.team_member_id IS NULL');
          if (typeIds.length > 0) where.orWhere('b.appointment_type_id IN (:...typeIds)', { typeIds });
          if (hostIds.length > 0) where.orWhere('b.team_member_id IN (:...hostIds)', { hostIds });
        }),
      );
    }
    const rows = await query.orderBy('b.start_at', 'ASC').addOrderBy('b.id', 'ASC').getMany();
    return rows.map((row) => ({
      id: row.id,
      start: row.start_at,
      end: row.end_at,
      appointment_type_id: row.appointment_type_id,
      team_member_id: row.team_member_id,
    }));
  }
}
