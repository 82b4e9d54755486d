import { hash, timingSafeEqual } from 'node:crypto';

/** Checks an `Authorization` header against the admin API key, in constant time. */
export class AdminCredentials {
  private readonly expected: Buffer;

  constructor(adminApiKey: string | undefined) {
    if (!adminApiKey) throw new Error('The admin API key must be resolved at boot');
    this.expected = digest(adminApiKey);
  }

  accepts(authorization: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    // Comparing digests keeps the comparison constant-time whatever the presented key's length.
    return match !== null && timingSafeEqual(digest(match[1]), this.expected);
  }
}

export const ADMIN_KEY_REQUIRED = 'A valid admin API key is required: Authorization: Bearer <ADMIN_API_KEY>';

function digest(value: string): Buffer {
  // The one-shot hash: a Hash object's setup cost more than the digest itself, on every admin request.
  return hash('sha256', value, 'buffer');
}
