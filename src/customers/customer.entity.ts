import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';

@Entity('customers')
@Index('uq_customers_email_normalized', ['email_normalized'], { unique: true })
export class CustomerEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** As the customer typed it (trimmed). */
  @Column({ type: 'varchar', length: 320 })
  email!: string;

  /** Trimmed and lowercase: what customers are matched by. */
  @Column({ type: 'varchar', length: 320 })
  email_normalized!: string;

  @EpochMsColumn()
  date_created!: number;

  @EpochMsColumn()
  date_modified!: number;
}
