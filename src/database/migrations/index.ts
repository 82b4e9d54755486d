import { Foundation1764190000000 } from './1764190000000-foundation';

export const MIGRATIONS = [Foundation1764190000000];
