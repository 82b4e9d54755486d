import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';
import { AppointmentTypeEntity } from './appointment-type.entity';

/** The appointment_types table's queries, in the caller's transaction when there is one (`Transactions.manager`). */
@Injectable()
export class AppointmentTypesRepository {
  constructor(private readonly transactions: Transactions) {}

  private get manager() {
    return this.transactions.manager;
  }

  page(take: number, skip: number): Promise<[AppointmentTypeEntity[], number]> {
    return this.manager.findAndCount(AppointmentTypeEntity, { order: { id: 'ASC' }, take, skip });
  }

  findById(id: number): Promise<AppointmentTypeEntity | null> {
    return this.manager.findOneBy(AppointmentTypeEntity, { id });
  }

  findBySlug(slug: string): Promise<AppointmentTypeEntity | null> {
    return this.manager.findOneBy(AppointmentTypeEntity, { slug });
  }

  slugUsed(slug: string): Promise<boolean> {
    return this.manager.existsBy(AppointmentTypeEntity, { slug });
  }

  create(fields: Partial<AppointmentTypeEntity>): AppointmentTypeEntity {
    return this.manager.create(AppointmentTypeEntity, fields);
  }

  save(type: AppointmentTypeEntity): Promise<AppointmentTypeEntity> {
    return this.manager.save(type);
  }

  async delete(id: number): Promise<void> {
    await this.manager.delete(AppointmentTypeEntity, { id });
  }

  /**
   * The ids of the types that may name the team member among their hosts, ascending: team_member_ids is a
   * JSON array in a text column, so LIKE narrows portably and the caller makes the exact test.
   */
  async idsMaybeNaming(teamMemberId: number): Promise<number[]> {
    const rows = await this.manager
      .createQueryBuilder(AppointmentTypeEntity, 'type')
      .select('type.id', 'id')
      .where('type.team_member_ids LIKE :pattern', { pattern: `%${teamMemberId}%` })
      .orderBy('type.id', 'ASC')
      .getRawMany<{ id: number }>();
    return rows.map((row) => Number(row.id));
  }
}
