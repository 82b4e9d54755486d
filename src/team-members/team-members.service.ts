import { Injectable } from '@nestjs/common';
import { toTeamMemberSnapshot, type MemberSchedule, type TeamMemberSnapshot } from './team-member.types';
import { DomainError } from '../common/errors/domain-error';
import { Page, page, PageQueryDto } from '../common/http/pagination';
import { storedOverrides } from '../common/schedules/stored-overrides';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { CreateTeamMemberDto } from './dto/create-team-member.dto';
import { TeamMemberDto } from './dto/team-member.dto';
import { UpdateTeamMemberDto } from './dto/update-team-member.dto';
import { TeamMemberCreatedEvent } from './events/team-member-created.event';
import { TeamMemberDeletedEvent } from './events/team-member-deleted.event';
import { TeamMemberUpdatedEvent } from './events/team-member-updated.event';
import { TeamMemberEntity } from './team-member.entity';
import { TeamMembersRepository } from './team-members.repository';
import { toTeamMemberDto, toTeamMemberEventSnapshot } from './team-member.mapper';
import { normalizeEmail } from './team-member.types';

@Injectable()
export class TeamMembersService {
  constructor(
    private readonly members: TeamMembersRepository,
    private readonly transactions: Transactions,
    private readonly config: AppConfig,
  ) {}

  async list(query: PageQueryDto): Promise<Page<TeamMemberDto>> {
    const [rows, total] = await this.members.page(query.limit, query.offset);
    return page(
      rows.map((row) => this.toDto(row)),
      total,
      query,
    );
  }

  async get(id: number): Promise<TeamMemberDto> {
    return this.toDto(await this.find(id));
  }

  async create(input: CreateTeamMemberDto): Promise<TeamMemberDto> {
    const overrides = (await storedOverrides(input.date_overrides)) ?? [];
    return this.uniqueEmail(() =>
      this.transactions.run(async (tx) => {
        const email = normalizeEmail(input.email);
        await this.assertEmailFree(email);
        const name = input.name.trim();
        const now = Date.now();
        const member = this.members.create({
          name,
          display_name: input.display_name?.trim() ?? name,
          email,
          wp_user_id: input.wp_user_id ?? 0,
          status: input.status ?? 'active',
          timezone: input.timezone ?? this.config.defaultTimezone,
          availability: input.availability ? plain(input.availability) : null,
          date_overrides: overrides,
          date_created: now,
          date_modified: now,
        });
        assertOverridesHaveHours(member);
        const saved = await this.members.insert(member);
        await tx.publish(new TeamMemberCreatedEvent({ team_member: toTeamMemberEventSnapshot(saved) }));
        return this.toDto(saved);
      }),
    );
  }

  async update(id: number, input: UpdateTeamMemberDto): Promise<TeamMemberDto> {
    const overrides = await storedOverrides(input.date_overrides);
    return this.uniqueEmail(() =>
      this.transactions.run(async (tx) => {
        await this.members.lockRow(id);
        await tx.lockKeys([`member:${id}`]);
        const member = await this.find(id);
        const before = JSON.stringify(this.toDto(member));
        if (input.name !== undefined) member.name = input.name.trim();
        if (input.display_name !== undefined) member.display_name = input.display_name.trim();
        if (input.wp_user_id !== undefined) member.wp_user_id = input.wp_user_id;
        if (input.status !== undefined) member.status = input.status;
        if (input.timezone !== undefined) member.timezone = input.timezone;
        if (input.availability !== undefined)
          member.availability = input.availability === null ? null : plain(input.availability);
        if (overrides !== undefined) member.date_overrides = overrides;
        assertOverridesHaveHours(member);
        if (input.email !== undefined) {
          const email = normalizeEmail(input.email);
          if (email !== member.email) await this.assertEmailFree(email);
          member.email = email;
        }
        if (JSON.stringify(this.toDto(member)) === before) return this.toDto(member);
        member.date_modified = Date.now();
        if (member.timezone === null) member.timezone = this.config.defaultTimezone;
        await this.members.update(member);
        await tx.publish(new TeamMemberUpdatedEvent({ team_member: toTeamMemberEventSnapshot(member) }));
        return this.toDto(member);
      }),
    );
  }

  /** Hard delete; listeners of `team_member.deleted` unassign the member elsewhere. */
  async remove(id: number): Promise<void> {
    await this.transactions.run(async (tx) => {
      // Waits for bookings that hold this member, so that the cleanup after deletion sees them.
      await this.members.lockRow(id);
      await tx.lockKeys([`member:${id}`]);
      const member = await this.find(id);
      const snapshot = toTeamMemberEventSnapshot(member);
      await this.members.delete(id);
      await tx.publish(new TeamMemberDeletedEvent({ team_member: snapshot }));
    });
  }

  /** The members among `ids` as appointment events carry them, ordered by id; unknown ids are skipped. */
  async snapshots(ids: number[]): Promise<TeamMemberSnapshot[]> {
    if (ids.length === 0) return [];
    return (await this.members.snapshotsByIds(unique(ids))).map(toTeamMemberSnapshot);
  }

  /**
   * Refuses ids that name no team member, as a 400 on `field`. On PostgreSQL the members found stay
   * key-share locked until the caller commits, so that a concurrent delete cannot slip in between this
   * check and the caller's write (the delete waits, and its listeners then see the caller's rows).
   */
  async assertExist(ids: number[], field: string): Promise<void> {
    if (ids.length === 0) return;
    const wanted = unique(ids);
    const found = new Set(await this.members.existingIds(wanted));
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw DomainError.invalidField(
        field,
        `unknown team member id(s): ${missing.join(', ')}`,
        'unknown_team_member',
      );
    }
  }

  /**
   * The ids among `ids` that name a team member. On PostgreSQL they stay key-share locked until the caller
   * commits, as in `assertExist`.
   */
  async existingIds(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    return this.members.existingIds(unique(ids));
  }

  /** The ids among `ids` of members whose status is active, ascending. */
  async activeIds(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    return this.members.activeIds(unique(ids));
  }

  /**
   * The own hours of the members among `ids` that have them (members without `availability` follow the
   * type and are left out), ordered by id.
   */
  async schedules(ids: number[]): Promise<MemberSchedule[]> {
    if (ids.length === 0) return [];
    const rows = await this.members.withOwnHours(unique(ids));
    return rows.map((row) => ({
      id: row.id,
      timezone: row.timezone ?? this.config.defaultTimezone,
      availability: row.availability,
      date_overrides: row.date_overrides ?? [],
    }));
  }

  private toDto(member: TeamMemberEntity): TeamMemberDto {
    return toTeamMemberDto(member, this.config.defaultTimezone);
  }

  private async find(id: number): Promise<TeamMemberEntity> {
    const member = await this.members.findById(id);
    if (!member) throw DomainError.notFound('team member', id);
    return member;
  }

  private async assertEmailFree(email: string): Promise<void> {
    if (await this.members.emailUsed(email)) throw emailTaken(email);
  }

  /** Two writers may pass the check at once on PostgreSQL; the unique index decides. */
  private async uniqueEmail<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
  }
}

function emailTaken(email?: string): DomainError {
  const what = email === undefined ? '' : `"${email}" `;
  return DomainError.invalidField('email', `${what}is already used by another team member`, 'email_taken');
}

function unique(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** Strips class instances (DTOs) down to the stored JSON shape. */
function plain<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Overrides replace days of the member's own week: without one they would silently do nothing. */
function assertOverridesHaveHours(member: TeamMemberEntity): void {
  if (member.availability === null && member.date_overrides.length > 0) {
    throw DomainError.invalidField(
      'date_overrides',
      "apply to the member's own availability, which is not set; set availability too, or use a blackout for time off",
    );
  }
}
