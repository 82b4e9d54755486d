import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';

/**
 * CSRF protection for the pages' form posts: a signed double-submit cookie. The browser holds a random
 * cookie (HttpOnly, SameSite=Lax); every form carries an HMAC of it. A cross-site page can neither read
 * the cookie nor forge the HMAC. On HTTPS the `__Host-` cookie cannot be planted from a sibling domain; on
 * plain HTTP it can, and the pages then sign the planted value like any other, so there the protection rests
 * on SameSite alone (changing an appointment still needs its secret token). The key derives from the admin
 * key, so every instance of one deployment accepts the others' forms.
 */
@Injectable()
export class CsrfTokens {
  private readonly key: Buffer;
  private readonly cookieName: string;
  private readonly secure: boolean;

  constructor(config: AppConfig) {
    this.key = createHmac('sha256', config.adminApiKey ?? randomBytes(32))
      .update('csrf-v1')
      .digest();
    this.secure = config.siteUrl.startsWith('https:');
    // __Host- binds the cookie to this exact origin, where browsers allow it (HTTPS).
    this.cookieName = this.secure ? '__Host-booking_csrf' : 'booking_csrf';
  }

  /** The form token for this browser, setting its cookie when it has none. */
  issue(request: FastifyRequest, reply: FastifyReply): string {
    let secret = this.cookie(request);
    if (secret === undefined) {
      secret = randomBytes(24).toString('base64url');
      const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', ...(this.secure ? ['Secure'] : [])];
      void reply.header('set-cookie', `${this.cookieName}=${secret}; ${attributes.join('; ')}`);
    }
    return this.sign(secret);
  }

  verify(request: FastifyRequest, token: unknown): boolean {
    const secret = this.cookie(request);
    if (secret === undefined || typeof token !== 'string') return false;
    const expected = Buffer.from(this.sign(secret));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(secret: string): string {
    return createHmac('sha256', this.key).update(secret).digest('base64url');
  }

  private cookie(request: FastifyRequest): string | undefined {
    for (const part of (request.headers.cookie ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=');
      const text = value.join('=');
      if (name === this.cookieName && /^[A-Za-z0-9_-]{32}$/.test(text)) return text;
    }
    return undefined;
  }
}
