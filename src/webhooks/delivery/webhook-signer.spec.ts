import { Webhook } from 'standardwebhooks';
import { generateSecret } from '../webhook-secrets';
import { WebhookSigner } from './webhook-signer';

describe('WebhookSigner', () => {
  const payloads = [
    '{"action":"appointment_booked"}',
    '',
    'é 😀 \u2028 \u0000',
    // A lone surrogate: both encode it as U+FFFD.
    'broken \ud800 pair',
    'x'.repeat(70_000),
  ];

  it('signs exactly as standardwebhooks does, and its signatures verify', () => {
    for (const secret of [generateSecret(), generateSecret()]) {
      const library = new Webhook(secret);
      const signer = new WebhookSigner(secret);
      for (const payload of payloads) {
        const timestamp = new Date(Date.now() - 1234);
        const signature = signer.sign('msg_42', timestamp, payload);
        expect(signature).toBe(library.sign('msg_42', timestamp, payload));
        // The bytes sent sign as the text does (a lone surrogate is U+FFFD in both).
        expect(signer.sign('msg_42', timestamp, Buffer.from(payload))).toBe(signature);
        const headers = {
          'webhook-id': 'msg_42',
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        };
        // verify() also parses the body as JSON.
        if (payload.startsWith('{')) expect(() => library.verify(payload, headers)).not.toThrow();
      }
    }
  });

  it('refuses a secret the library refuses', () => {
    expect(() => new WebhookSigner('whsec_')).toThrow();
  });
});
