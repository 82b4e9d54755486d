import { HttpService } from '@nestjs/axios';
import axios, { type CreateAxiosDefaults } from 'axios';
import type { AppConfig } from '../../config/app-config';
import { undiciAdapter } from './undici-adapter';
import { createGuardedDispatcher } from './url-guard';

/**
 * The `HttpService` the webhook sender posts through: an axios instance whose transport is an SSRF-guarded
 * undici agent.
 *
 * Its defaults hold only that transport and the Accept header. `axios.create` copies in the global defaults,
 * and every request merges each key again: per-method header sets (`common`, `get`, `post`…) deep-merged and
 * flattened, a `transformRequest` that inspects the body for forms, streams and URL parameters, `transitional`
 * options validated, form and XSRF settings no Node transport of ours reads. With the sender setting every
 * header itself and posting a Buffer, that was about a fifth of the CPU a delivery costs. Nor does a delivery
 * need the settings that only tell axios' own Node transport what the undici one does anyway: it follows no
 * redirect, goes through no proxy, answers a stream, decompresses it, and settles every status (axios' own
 * rule without `validateStatus`); each key left out is one less merged, copied and checked per request (a
 * few µs of the ~15 µs axios spends on one).
 */
export function webhookHttpService(config: AppConfig): HttpService {
  const defaults: CreateAxiosDefaults = {
    // An undici agent: keep-alive connections to the receivers, and the SSRF check on every address actually
    // connected to (see undiciAdapter: node:http's client cost as much CPU per delivery as the rest of it).
    adapter: undiciAdapter(
      createGuardedDispatcher({
        allowPrivate: config.webhookAllowPrivateUrls,
        connections: config.webhookConcurrency,
        connectTimeoutMs: config.webhookTimeoutMs,
      }),
    ),
    // Flat: no per-method sets (its request code reads them only if present).
    headers: { Accept: 'application/json, text/plain, */*' },
  };
  const instance = axios.create();
  // The instance reads its defaults from this object (its requests' `this.defaults`): replaced in place.
  for (const key of Object.keys(instance.defaults)) delete instance.defaults[key as keyof typeof defaults];
  Object.assign(instance.defaults, defaults);
  return new HttpService(instance);
}
