import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { Page, page } from '../common/http/pagination';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { CustomerEntity } from './customer.entity';
import { toCustomerDto } from './customer.mapper';
import { CustomerDto } from './dto/customer.dto';
import { ListCustomersQueryDto } from './dto/list-customers-query.dto';
import { UpdateCustomerDto } from './dto/update-customer.dto';

const NAME_LENGTH = 200;

@Injectable()
export class CustomersService {
  constructor(
    @InjectRepository(CustomerEntity) private readonly customers: Repository<CustomerEntity>,
    private readonly transactions: Transactions,
  ) {}

  async list(query: ListCustomersQueryDto): Promise<Page<CustomerDto>> {
    const [rows, total] = await this.customers.findAndCount({
      where: query.email === undefined ? {} : { email_normalized: normalizeEmail(query.email) },
      order: { id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
    return page(rows.map(toCustomerDto), total, query);
  }

  /** Pass the caller's transaction manager to read inside its transaction. */
  async get(id: number, manager: EntityManager = this.customers.manager): Promise<CustomerDto> {
    return toCustomerDto(await this.find(manager, id));
  }

  async update(id: number, input: UpdateCustomerDto): Promise<CustomerDto> {
    try {
      return await this.transactions.run(async (tx) => {
        await tx.lockKeys([`customer:${id}`]);
        const customer = await this.find(tx.manager, id);
        const before = JSON.stringify(toCustomerDto(customer));
        if (input.name !== undefined) customer.name = input.name.trim();
        if (input.email !== undefined) {
          const normalized = normalizeEmail(input.email);
          if (normalized !== customer.email_normalized) {
            if (await tx.manager.existsBy(CustomerEntity, { email_normalized: normalized })) {
              throw emailTaken(input.email.trim());
            }
          }
          customer.email = input.email.trim();
          customer.email_normalized = normalized;
        }
        if (JSON.stringify(toCustomerDto(customer)) === before) return toCustomerDto(customer);
        customer.date_modified = Date.now();
        return toCustomerDto(await tx.manager.save(customer));
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
  }

  /**
   * The customer with this email (case-insensitive), created when there is none; an existing customer
   * keeps its stored name and email. Runs in the caller's transaction. Two transactions creating the
   * same customer at once on PostgreSQL both end with the one row: the insert skips on the unique
   * index (ON CONFLICT DO NOTHING, which waits for the other transaction) instead of failing, because a
   * failed statement would abort the caller's transaction.
   */
  async findOrCreate(manager: EntityManager, input: { name: string; email: string }): Promise<CustomerDto> {
    const email = input.email.trim();
    const normalized = normalizeEmail(email);
    const existing = await manager.findOneBy(CustomerEntity, { email_normalized: normalized });
    if (existing) return toCustomerDto(existing);
    const now = Date.now();
    await manager
      .createQueryBuilder()
      .insert()
      .into(CustomerEntity)
      .values({
        name: input.name.trim().slice(0, NAME_LENGTH),
        email,
        email_normalized: normalized,
        date_created: now,
        date_modified: now,
      })
      .orIgnore()
      .execute();
    const customer = await manager.findOneBy(CustomerEntity, { email_normalized: normalized });
    if (!customer) throw new Error(`customer ${normalized} was neither found nor created`);
    return toCustomerDto(customer);
  }

  private async find(manager: EntityManager, id: number): Promise<CustomerEntity> {
    const customer = await manager.findOneBy(CustomerEntity, { id });
    if (!customer) throw DomainError.notFound('customer', id);
    return customer;
  }
}

/** Customers are matched by email, trimmed and lowercase. */
function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function emailTaken(email?: string): DomainError {
  const what = email === undefined ? '' : `"${email}" `;
  return DomainError.invalidField('email', `${what}is already used by another customer`, 'email_taken');
}
