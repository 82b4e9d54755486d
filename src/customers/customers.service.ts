import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { Page, page } from '../common/http/pagination';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { CustomerEntity } from './customer.entity';
import { toCustomerDto } from './customer.mapper';
import { CustomersRepository } from './customers.repository';
import { CustomerDto } from './dto/customer.dto';
import { ListCustomersQueryDto } from './dto/list-customers-query.dto';
import { UpdateCustomerDto } from './dto/update-customer.dto';

/** The most characters (code points, as validation counts them) a customer's name keeps of the booking's Name. */
const NAME_LENGTH = 200;

/** The first `count` code points: a cut by UTF-16 units could split an emoji and leave half of it. */
function firstCharacters(value: string, count: number): string {
  return value.length <= count ? value : Array.from(value).slice(0, count).join('');
}

@Injectable()
export class CustomersService {
  constructor(
    private readonly customers: CustomersRepository,
    private readonly transactions: Transactions,
  ) {}

  async list(query: ListCustomersQueryDto): Promise<Page<CustomerDto>> {
    const email = query.email === undefined ? undefined : normalizeEmail(query.email);
    const [rows, total] = await this.customers.page(email, query.limit, query.offset);
    return page(rows.map(toCustomerDto), total, query);
  }

  /** Inside a transaction, reads in it. */
  async get(id: number): Promise<CustomerDto> {
    return toCustomerDto(await this.find(id));
  }

  async update(id: number, input: UpdateCustomerDto): Promise<CustomerDto> {
    try {
      return await this.transactions.run(async (tx) => {
        await tx.lockKeys([`customer:${id}`]);
        const customer = await this.find(id);
        const before = JSON.stringify(toCustomerDto(customer));
        if (input.name !== undefined) customer.name = input.name.trim();
        if (input.email !== undefined) {
          const normalized = normalizeEmail(input.email);
          if (normalized !== customer.email_normalized) {
            if (await this.customers.emailUsed(normalized)) {
              throw emailTaken(input.email.trim());
            }
          }
          customer.email = input.email.trim();
          customer.email_normalized = normalized;
        }
        if (JSON.stringify(toCustomerDto(customer)) === before) return toCustomerDto(customer);
        customer.date_modified = Date.now();
        return toCustomerDto(await this.customers.save(customer));
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
  }

  /**
   * The customer with this email (case-insensitive), or null. A booking looks its customer up before it takes
   * the slot's locks, so that a returning customer costs nothing while they are held.
   */
  async findByEmail(email: string): Promise<CustomerDto | null> {
    const customer = await this.customers.findByEmail(normalizeEmail(email));
    return customer === null ? null : toCustomerDto(customer);
  }

  /**
   * The customer with this email (case-insensitive), created when there is none; an existing customer
   * keeps its stored name and email. Runs in the caller's transaction. Two transactions creating the
   * same customer at once on PostgreSQL both end with the one row: the insert skips on the unique
   * index (ON CONFLICT DO NOTHING, which waits for the other transaction) instead of failing, because a
   * failed statement would abort the caller's transaction.
   */
  /** In the caller's transaction (a booking's), or in one of its own when called alone. */
  async findOrCreate(input: { name: string; email: string }): Promise<CustomerDto> {
    const email = input.email.trim();
    const normalized = normalizeEmail(email);
    return this.transactions.run(async () => {
      const existing = await this.customers.findByEmail(normalized);
      if (existing) return toCustomerDto(existing);
      const now = Date.now();
      const inserted = await this.customers.insertUnlessTaken({
        name: firstCharacters(input.name.trim(), NAME_LENGTH),
        email,
        email_normalized: normalized,
        date_created: now,
        date_modified: now,
      });
      // Null: another transaction inserted it first (PostgreSQL waited for its commit).
      const customer = inserted ?? (await this.customers.findByEmail(normalized));
      if (!customer) throw new Error(`customer ${normalized} was neither found nor created`);
      return toCustomerDto(customer);
    });
  }

  private async find(id: number): Promise<CustomerEntity> {
    const customer = await this.customers.findById(id);
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
