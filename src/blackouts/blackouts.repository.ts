import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, Repository } from 'typeorm';
import { BlackoutEntity } from './blackout.entity';
import { type BlackoutSpan, MAX_BLACKOUT_MS } from './blackout.types';

@Injectable()
export class BlackoutsRepository {
  constructor(@InjectRepository(BlackoutEntity) private readonly blackouts: Repository<BlackoutEntity>) {}

  get manager(): EntityManager {
    return this.blackouts.manager;
  }

  async page(limit: number, offset: number): Promise<[BlackoutEntity[], number]> {
    return this.blackouts.findAndCount({
      order: { start_at: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  async find(manager: EntityManager, id: number): Promise<BlackoutEntity | null> {
    return manager.findOneBy(BlackoutEntity, { id });
  }

  /**
   * The blackouts overlapping `[from, to)` within `scope`: site-wide ones, those of `typeIds` (all types
   * when undefined) and those of `hostIds` (all members when undefined). `start_at` is bounded on both
   * sides (a blackout is at most MAX_BLACKOUT_MS long), so the index serves the query however many past
   * blackouts there are.
   */
  async overlapping(
    manager: EntityManager,
    scope: { from: number; to: number; typeIds?: number[]; hostIds?: number[] },
  ): Promise<BlackoutSpan[]> {
    const query = manager
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
