import type { TableColumnOptions } from 'typeorm';

type Extra = Partial<TableColumnOptions>;

/** Column shapes that mean the same on SQLite and PostgreSQL. */
export const id = (): TableColumnOptions => ({
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
});
export const int = (name: string, extra: Extra = {}): TableColumnOptions => ({
  name,
  type: 'integer',
  ...extra,
});
export const epochMs = (name: string, extra: Extra = {}): TableColumnOptions => ({
  name,
  type: 'bigint',
  ...extra,
});
export const text = (name: string, extra: Extra = {}): TableColumnOptions => ({
  name,
  type: 'text',
  ...extra,
});
export const bool = (name: string, extra: Extra = {}): TableColumnOptions => ({
  name,
  type: 'boolean',
  ...extra,
});
export const varchar = (name: string, length: number, extra: Extra = {}): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  ...extra,
});
