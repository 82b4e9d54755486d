import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';
import { insertRow, updateRow } from '../database/whole-rows';
import { AppointmentTypeEntity } from './appointment-type.entity';

const TYPE_EXISTS = 'SELECT id FROM appointment_types WHERE id = $1';

const TYPE_BY_ID = 'SELECT * FROM appointment_types WHERE id = $1';

/** A row as the drivers return it: JSON columns as text, bigint and numeric as strings on PostgreSQL. */
type TypeRow = Record<keyof AppointmentTypeEntity, unknown>;

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

  /**
   * The type's fields as a plain object (not an entity to save), by a prepared statement: every booking reads
   * its type, and this is the one read of the booking path that the ORM made the slowest.
   */
  async readById(id: number): Promise<AppointmentTypeEntity | null> {
    const [row] = await this.transactions.sql<TypeRow>(TYPE_BY_ID, [id]);
    return row === undefined ? null : fromRow(row);
  }

  async exists(id: number): Promise<boolean> {
    return (await this.transactions.sql(TYPE_EXISTS, [id])).length > 0;
  }

  /** The ids among `ids` of types that exist. */
  async existingIds(ids: number[]): Promise<number[]> {
    const rows = await this.transactions.sql<{ id: number | string }>(
      `SELECT id FROM appointment_types WHERE ${this.transactions.inList('id', '$1')}`,
      [ids],
    );
    return rows.map((row) => Number(row.id));
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

  /** Inserts a new type, its generated id set on it (database/whole-rows.ts). */
  insert(type: AppointmentTypeEntity): Promise<AppointmentTypeEntity> {
    return insertRow(this.manager, AppointmentTypeEntity, type);
  }

  /**
   * Writes every column of a type read before (database/whole-rows.ts): the caller holds the type's lock
   * (tx.lockKeys `type:<id>`) from before its read.
   */
  update(type: AppointmentTypeEntity): Promise<void> {
    return updateRow(this.manager, AppointmentTypeEntity, type);
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

function fromRow(row: TypeRow): AppointmentTypeEntity {
  return {
    ...(row as unknown as AppointmentTypeEntity),
    id: Number(row.id),
    max_booking_notice: row.max_booking_notice === null ? null : Number(row.max_booking_notice),
    availability: json(row.availability) as AppointmentTypeEntity['availability'],
    date_overrides: json(row.date_overrides) as AppointmentTypeEntity['date_overrides'],
    team_member_ids: json(row.team_member_ids) as number[],
    customer_fields: json(row.customer_fields) as AppointmentTypeEntity['customer_fields'],
    price: Number(row.price),
    date_created: Number(row.date_created),
    date_modified: Number(row.date_modified),
  };
}

/** A simple-json column, as TypeORM reads it. */
function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}
