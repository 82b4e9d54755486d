import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';
import { CustomerEntity } from './customer.entity';

/** The customers table's queries, in the caller's transaction when there is one (`Transactions.manager`). */
@Injectable()
export class CustomersRepository {
  constructor(private readonly transactions: Transactions) {}

  private get manager() {
    return this.transactions.manager;
  }

  page(emailNormalized: string | undefined, take: number, skip: number): Promise<[CustomerEntity[], number]> {
    return this.manager.findAndCount(CustomerEntity, {
      where: emailNormalized === undefined ? {} : { email_normalized: emailNormalized },
      order: { id: 'ASC' },
      take,
      skip,
    });
  }

  findById(id: number): Promise<CustomerEntity | null> {
    return this.manager.findOneBy(CustomerEntity, { id });
  }

  /** By a prepared statement: every booking looks its customer up. */
  async findByEmail(emailNormalized: string): Promise<CustomerEntity | null> {
    const [row] = await this.transactions.sql<CustomerRow>(
      `SELECT ${COLUMNS} FROM customers WHERE email_normalized = $1`,
      [emailNormalized],
    );
    return row === undefined ? null : fromRow(row);
  }

  emailUsed(emailNormalized: string): Promise<boolean> {
    return this.manager.existsBy(CustomerEntity, { email_normalized: emailNormalized });
  }

  save(customer: CustomerEntity): Promise<CustomerEntity> {
    return this.manager.save(customer);
  }

  /**
   * Inserts unless the email is taken, and returns the new row (null when taken). On PostgreSQL a concurrent
   * insert of the same email makes this one wait and then skip (ON CONFLICT DO NOTHING) instead of failing,
   * which would abort the caller's transaction.
   */
  async insertUnlessTaken(fields: Omit<CustomerEntity, 'id'>): Promise<CustomerEntity | null> {
    const [row] = await this.transactions.sql<CustomerRow>(
      'INSERT INTO customers (name, email, email_normalized, date_created, date_modified) ' +
        `VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [fields.name, fields.email, fields.email_normalized, fields.date_created, fields.date_modified],
    );
    return row === undefined ? null : fromRow(row);
  }
}

const COLUMNS = 'id, name, email, email_normalized, date_created, date_modified';

/** As the drivers return it: bigint as a string on PostgreSQL. */
type CustomerRow = Record<keyof CustomerEntity, string | number>;

function fromRow(row: CustomerRow): CustomerEntity {
  return {
    id: Number(row.id),
    name: String(row.name),
    email: String(row.email),
    email_normalized: String(row.email_normalized),
    date_created: Number(row.date_created),
    date_modified: Number(row.date_modified),
  };
}
