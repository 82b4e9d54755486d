import { Column, ColumnOptions, ValueTransformer } from 'typeorm';

/** PostgreSQL returns bigint and numeric as strings; the domain wants numbers. */
const toNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/**
 * Instants are stored as epoch milliseconds in a bigint: one representation on SQLite and PostgreSQL,
 * indexable, and what the slot arithmetic works in anyway.
 */
export function EpochMsColumn(options: Omit<ColumnOptions, 'type' | 'transformer'> = {}): PropertyDecorator {
  return Column({ ...options, type: 'bigint', transformer: toNumber });
}

export function MoneyColumn(options: Omit<ColumnOptions, 'type' | 'transformer'> = {}): PropertyDecorator {
  return Column({ ...options, type: 'decimal', precision: 12, scale: 2, transformer: toNumber });
}
