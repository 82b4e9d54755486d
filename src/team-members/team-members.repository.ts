import { Injectable } from '@nestjs/common';
import { In, IsNull, Not } from 'typeorm';
import { Transactions } from '../database/transactions';
import { TeamMemberEntity } from './team-member.entity';

/**
 * The team_members table's queries. Each runs in the caller's transaction when there is one (see
 * `Transactions.manager`), so no caller hands a transaction in.
 */
@Injectable()
export class TeamMembersRepository {
  constructor(private readonly transactions: Transactions) {}

  private get manager() {
    return this.transactions.manager;
  }

  page(take: number, skip: number): Promise<[TeamMemberEntity[], number]> {
    return this.manager.findAndCount(TeamMemberEntity, { order: { id: 'ASC' }, take, skip });
  }

  findById(id: number): Promise<TeamMemberEntity | null> {
    return this.manager.findOneBy(TeamMemberEntity, { id });
  }

  emailUsed(email: string): Promise<boolean> {
    return this.manager.existsBy(TeamMemberEntity, { email });
  }

  create(fields: Partial<TeamMemberEntity>): TeamMemberEntity {
    return this.manager.create(TeamMemberEntity, fields);
  }

  save(member: TeamMemberEntity): Promise<TeamMemberEntity> {
    return this.manager.save(member);
  }

  async delete(id: number): Promise<void> {
    await this.manager.delete(TeamMemberEntity, { id });
  }

  /** The members among `ids` (distinct, ascending), ordered by id. */
  findByIds(ids: number[]): Promise<TeamMemberEntity[]> {
    return this.manager.find(TeamMemberEntity, { where: { id: In(ids) }, order: { id: 'ASC' } });
  }

  /** The ids among `ids` of active members, ascending. */
  async activeIds(ids: number[]): Promise<number[]> {
    const rows = await this.manager.find(TeamMemberEntity, {
      select: { id: true },
      where: { id: In(ids), status: 'active' },
      order: { id: 'ASC' },
    });
    return rows.map((row) => row.id);
  }

  /** The own hours of the members among `ids` that have them (a member without follows the type), by id. */
  withOwnHours(ids: number[]): Promise<TeamMemberEntity[]> {
    return this.manager.find(TeamMemberEntity, {
      select: { id: true, timezone: true, availability: true, date_overrides: true },
      where: { id: In(ids), availability: Not(IsNull()) },
      order: { id: 'ASC' },
    });
  }

  /**
   * The ids among `ids` that exist. On PostgreSQL the rows found stay key-share locked until the caller's
   * transaction commits, so that a concurrent delete cannot slip in before the caller's write.
   */
  async existingIds(ids: number[]): Promise<number[]> {
    if (this.transactions.isPostgres) {
      const rows: { id: number }[] = await this.manager.query(
        'SELECT id FROM "team_members" WHERE id = ANY($1) FOR KEY SHARE',
        [ids],
      );
      return rows.map((row) => Number(row.id));
    }
    const rows = await this.manager.find(TeamMemberEntity, { select: { id: true }, where: { id: In(ids) } });
    return rows.map((row) => row.id);
  }
}
