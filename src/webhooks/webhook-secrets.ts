import { randomBytes } from 'node:crypto';

/** SSA's `signature.token`: 24 hex characters in every body, for receivers that compare a shared token. */
export function generateToken(): string {
  return randomBytes(12).toString('hex');
}

/** A Standard Webhooks signing secret: `whsec_` and the base64 of 32 random bytes. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
