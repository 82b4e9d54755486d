import { Injectable } from '@nestjs/common';
import { EntityManager, LessThan } from 'typeorm';
import { Transactions } from '../database/transactions';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

export type NewIdempotencyKey = Omit<IdempotencyKeyEntity, 'id'>;

/** The stored keys, read and written in the caller's transaction when there is one. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly transactions: Transactions) {}

  private get manager(): EntityManager {
    return this.transactions.manager;
  }

  find(scope: string, key: string): Promise<IdempotencyKeyEntity | null> {
    return this.manager.findOneBy(IdempotencyKeyEntity, { scope, key });
  }

  async insert(row: NewIdempotencyKey): Promise<void> {
    await this.manager.insert(IdempotencyKeyEntity, row);
  }

  async delete(id: number): Promise<void> {
    await this.manager.delete(IdempotencyKeyEntity, { id });
  }

  async deleteCreatedBefore(instant: number): Promise<void> {
    await this.manager.delete(IdempotencyKeyEntity, { created_at: LessThan(instant) });
  }
}
