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

  findByEmail(emailNormalized: string): Promise<CustomerEntity | null> {
    return this.manager.findOneBy(CustomerEntity, { email_normalized: emailNormalized });
  }

  emailUsed(emailNormalized: string): Promise<boolean> {
    return this.manager.existsBy(CustomerEntity, { email_normalized: emailNormalized });
  }

  save(customer: CustomerEntity): Promise<CustomerEntity> {
    return this.manager.save(customer);
  }

  /**
   * Inserts unless the email is taken. On PostgreSQL a concurrent insert of the same email makes this one
   * wait and then skip (ON CONFLICT DO NOTHING) instead of failing, which would abort the caller's transaction.
   */
  async insertUnlessTaken(fields: Omit<CustomerEntity, 'id'>): Promise<void> {
    await this.manager.createQueryBuilder().insert().into(CustomerEntity).values(fields).orIgnore().execute();
  }
}
