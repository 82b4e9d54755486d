import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';

/** The first answer to a request sent with an `Idempotency-Key`, kept for 24 h. */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Which route family the key belongs to: the same key on two routes is two keys. */
  @Column({ type: 'varchar', length: 32 })
  scope!: string;

  @Column({ type: 'varchar', length: 255 })
  key!: string;

  /** SHA-256 of the request body in canonical JSON (keys sorted). */
  @Column({ type: 'varchar', length: 64 })
  request_hash!: string;

  @Column({ type: 'integer' })
  status_code!: number;

  @Column({ type: 'text' })
  response_body!: string;

  @EpochMsColumn()
  created_at!: number;
}
