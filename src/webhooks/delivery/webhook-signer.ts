import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Signs as `standardwebhooks`' `Webhook#sign` does (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the
 * decoded secret), with node:crypto's native HMAC instead of the library's JavaScript SHA-256: the same
 * signature (a test compares them), at a fraction of the CPU per delivery.
 */
export class WebhookSigner {
  private readonly key: KeyObject;

  constructor(secret: string) {
    // The library decodes (and validates) the secret, so that a secret it refuses is refused here too.
    // A KeyObject made once: HMAC under it costs less than under raw bytes, which are imported every time.
    this.key = createSecretKey((new Webhook(secret) as unknown as { key: Uint8Array }).key);
  }

  /**
   * `payload` as the text, or as the very bytes sent (its UTF-8): the same signature, and bytes already encoded
   * for the wire are not encoded again, nor joined to the id and time into one more copy of the body.
   */
  sign(msgId: string, timestamp: Date, payload: string | Buffer): string {
    const signature = createHmac('sha256', this.key)
      .update(`${msgId}.${Math.floor(timestamp.getTime() / 1000)}.`, 'utf8')
      .update(payload)
      .digest('base64');
    return `v1,${signature}`;
  }
}
