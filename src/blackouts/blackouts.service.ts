import { Injectable } from '@nestjs/common';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import { DomainError } from '../common/errors/domain-error';
import { Page, page, PageQueryDto } from '../common/http/pagination';
import { isForeignKeyViolation } from '../database/errors';
import { Transaction, Transactions } from '../database/transactions';
import { TeamMembersService } from '../team-members/team-members.service';
import { BlackoutEntity } from './blackout.entity';
import { toBlackoutDto } from './blackout.mapper';
import { BOTH_SCOPES, type BlackoutSpan, spanProblem } from './blackout.types';
import { BlackoutsRepository } from './blackouts.repository';
import { BlackoutDto } from './dto/blackout.dto';
import { CreateBlackoutDto } from './dto/create-blackout.dto';
import { UpdateBlackoutDto } from './dto/update-blackout.dto';

/**
 * Blackouts close time: the whole site, one type, or one member. They change no appointment and announce
 * nothing (no event, no webhook); booking and availability read them, and `?conflicts=true` on the
 * appointment list shows the appointments they strand.
 */
@Injectable()
export class BlackoutsService {
  constructor(
    private readonly blackouts: BlackoutsRepository,
    private readonly transactions: Transactions,
    private readonly appointmentTypes: AppointmentTypesService,
    private readonly teamMembers: TeamMembersService,
  ) {}

  async list(query: PageQueryDto): Promise<Page<BlackoutDto>> {
    const [rows, total] = await this.blackouts.page(query.limit, query.offset);
    return page(rows.map(toBlackoutDto), total, query);
  }

  async get(id: number): Promise<BlackoutDto> {
    return toBlackoutDto(await this.find(id));
  }

  async create(input: CreateBlackoutDto): Promise<BlackoutDto> {
    return this.transactions.run(async (tx) => {
      const now = Date.now();
      const blackout = this.blackouts.create({
        start_at: Date.parse(input.start_date),
        end_at: Date.parse(input.end_date),
        reason: input.reason?.trim() ?? '',
        appointment_type_id: input.appointment_type_id ?? null,
        team_member_id: input.team_member_id ?? null,
        date_created: now,
        date_modified: now,
      });
      // Checked first: a member's row is locked (key share) before the member's booking lock, as everywhere.
      await this.assertValid(blackout);
      await lockScope(tx, blackout);
      return toBlackoutDto(await this.save(blackout));
    });
  }

  async update(id: number, input: UpdateBlackoutDto): Promise<BlackoutDto> {
    return this.transactions.run(async (tx) => {
      // Two PATCHes of one blackout take turns: each checks the whole blackout it then writes.
      await tx.lockKeys([`blackout:${id}`]);
      const blackout = await this.find(id);
      const before = JSON.stringify(toBlackoutDto(blackout));
      if (input.start_date !== undefined) blackout.start_at = Date.parse(input.start_date);
      if (input.end_date !== undefined) blackout.end_at = Date.parse(input.end_date);
      if (input.reason !== undefined) blackout.reason = input.reason.trim();
      if (input.appointment_type_id !== undefined) blackout.appointment_type_id = input.appointment_type_id;
      if (input.team_member_id !== undefined) blackout.team_member_id = input.team_member_id;
      await this.assertValid(blackout);
      await lockScope(tx, blackout);
      if (JSON.stringify(toBlackoutDto(blackout)) === before) return toBlackoutDto(blackout);
      blackout.date_modified = Date.now();
      return toBlackoutDto(await this.save(blackout));
    });
  }

  async remove(id: number): Promise<void> {
    await this.transactions.run(async () => {
      await this.find(id);
      await this.blackouts.delete(id);
    });
  }

  /**
   * The blackouts overlapping `[from, to)` that concern a type or its hosts: site-wide ones, the type's own
   * and those of `hostIds`. Without `typeIds`/`hostIds`, every blackout in the range.
   */
  overlapping(scope: {
    from: number;
    to: number;
    typeIds?: number[];
    hostIds?: number[];
  }): Promise<BlackoutSpan[]> {
    return this.blackouts.overlapping(scope);
  }

  /** The whole blackout after a create or a PATCH: one span, one scope, and a scope that exists. */
  private async assertValid(blackout: BlackoutEntity): Promise<void> {
    const span = spanProblem(blackout.start_at, blackout.end_at);
    if (span !== null) throw DomainError.invalidField('end_date', span);
    if (blackout.appointment_type_id !== null && blackout.team_member_id !== null) {
      throw DomainError.invalidField('team_member_id', BOTH_SCOPES);
    }
    if (
      blackout.appointment_type_id !== null &&
      (await this.appointmentTypes.findById(blackout.appointment_type_id)) === null
    ) {
      throw DomainError.invalidField(
        'appointment_type_id',
        `appointment type ${blackout.appointment_type_id} does not exist`,
      );
    }
    if (blackout.team_member_id !== null) {
      await this.teamMembers.assertExist([blackout.team_member_id], 'team_member_id');
    }
  }

  /**
   * Saves a checked blackout. Its type or member may be deleted between the check and the write (the
   * delete does not wait for this transaction): the foreign key refuses the row, and the answer is the
   * same 400 the check gives.
   */
  private async save(blackout: BlackoutEntity): Promise<BlackoutEntity> {
    try {
      return await this.blackouts.save(blackout);
    } catch (error) {
      if (!isForeignKeyViolation(error)) throw error;
      if (blackout.team_member_id !== null) {
        throw DomainError.invalidField(
          'team_member_id',
          `unknown team member id(s): ${blackout.team_member_id}`,
          'unknown_team_member',
        );
      }
      throw DomainError.invalidField(
        'appointment_type_id',
        `appointment type ${blackout.appointment_type_id} does not exist`,
      );
    }
  }

  private async find(id: number): Promise<BlackoutEntity> {
    const blackout = await this.blackouts.find(id);
    if (!blackout) throw DomainError.notFound('blackout', id);
    return blackout;
  }
}

/**
 * Takes the lock a booking of the blackout's type or member takes, so a booking and a blackout of one
 * type or member commit one after the other: a booking never lands in a blackout that committed first.
 * (A site-wide blackout takes none; `?conflicts=true` shows a booking that raced one.)
 */
async function lockScope(tx: Transaction, blackout: BlackoutEntity): Promise<void> {
  if (blackout.appointment_type_id !== null) await tx.lockKeys([`type:${blackout.appointment_type_id}`]);
  if (blackout.team_member_id !== null) await tx.lockKeys([`member:${blackout.team_member_id}`]);
}
