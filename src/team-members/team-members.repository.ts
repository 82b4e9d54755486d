import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';
import { insertRow, updateRow } from '../database/whole-rows';
import { TeamMemberEntity } from './team-member.entity';
import type { TeamMemberSnapshot } from './team-member.types';

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

  /** Inserts a new member, its generated id set on it (database/whole-rows.ts). */
  insert(member: TeamMemberEntity): Promise<TeamMemberEntity> {
    return insertRow(this.manager, TeamMemberEntity, member);
  }

  /**
   * Writes every column of a member read before (database/whole-rows.ts): the caller holds its row's lock
   * (lockRow, then tx.lockKeys `member:<id>`) from before its read.
   */
  update(member: TeamMemberEntity): Promise<void> {
    return updateRow(this.manager, TeamMemberEntity, member);
  }

  async delete(id: number): Promise<void> {
    await this.manager.delete(TeamMemberEntity, { id });
  }

  /**
   * PostgreSQL: locks the member's row for a change or deletion, before the member's booking lock. Every
   * transaction that takes both takes them in this order (a booking or a blackout naming the member: its
   * `existingIds` key-share lock, then the booking lock); taken the other way round, a delete and a booking
   * could each wait for the other (a deadlock, failed with a 500).
   */
  async lockRow(id: number): Promise<void> {
    if (this.transactions.isPostgres) await this.transactions.sql(LOCK_ROW, [id]);
  }

  /** The members among `ids` (distinct, ascending) as events carry them, ordered by id. */
  async snapshotsByIds(ids: number[]): Promise<TeamMemberSnapshot[]> {
    const rows = await this.transactions.sql<TeamMemberSnapshot>(
      `SELECT id, wp_user_id, name, display_name, email FROM team_members WHERE ${this.idIn('$1')} ORDER BY id`,
      [ids],
    );
    return rows.map((row) => ({ ...row, id: Number(row.id), wp_user_id: Number(row.wp_user_id) }));
  }

  /** The ids among `ids` of active members, ascending. */
  async activeIds(ids: number[]): Promise<number[]> {
    const rows = await this.transactions.sql<{ id: number }>(
      `SELECT id FROM team_members WHERE ${this.idIn('$1')} AND status = 'active' ORDER BY id`,
      [ids],
    );
    return rows.map((row) => Number(row.id));
  }

  /** The own hours of the members among `ids` that have them (a member without follows the type), by id. */
  async withOwnHours(
    ids: number[],
  ): Promise<Pick<TeamMemberEntity, 'id' | 'timezone' | 'availability' | 'date_overrides'>[]> {
    const rows = await this.transactions.sql<{
      id: number;
      timezone: string | null;
      availability: string;
      date_overrides: string | null;
    }>(
      'SELECT id, timezone, availability, date_overrides FROM team_members ' +
        `WHERE ${this.idIn('$1')} AND availability IS NOT NULL ORDER BY id`,
      [ids],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      timezone: row.timezone,
      availability: JSON.parse(row.availability) as TeamMemberEntity['availability'],
      date_overrides:
        row.date_overrides === null
          ? []
          : (JSON.parse(row.date_overrides) as TeamMemberEntity['date_overrides']),
    }));
  }

  /**
   * The ids among `ids` that exist. On PostgreSQL the rows found stay key-share locked until the caller's
   * transaction commits, so that a concurrent delete cannot slip in before the caller's write.
   */
  async existingIds(ids: number[]): Promise<number[]> {
    const lock = this.transactions.isPostgres ? ' FOR KEY SHARE' : '';
    const rows = await this.transactions.sql<{ id: number }>(
      `SELECT id FROM team_members WHERE ${this.idIn('$1')}${lock}`,
      [ids],
    );
    return rows.map((row) => Number(row.id));
  }

  private idIn(placeholder: string): string {
    return this.transactions.inList('id', placeholder);
  }
}

const LOCK_ROW = 'SELECT id FROM team_members WHERE id = $1 FOR UPDATE';
