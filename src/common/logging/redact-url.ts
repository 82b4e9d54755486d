/**
 * A customer's appointment token is a bearer secret that travels in the path (the change page, the public
 * API). Logs are read by more people than the database: every URL that reaches a log line goes through here.
 * The router decodes percent-escapes before it matches (`/%61ppointments/change/…` is the change page), so
 * the URL is matched, and logged, decoded, with repeated slashes folded (`/appointments//change/…`).
 */
const TOKEN_SEGMENTS = [/(\/appointments\/change\/)[^/?#]+/i, /(\/api\/v1\/public\/appointments\/)[^/?#]+/i];

export function redactUrl(url: string): string {
  const decoded = url
    .replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\/{2,}/g, '/');
  return TOKEN_SEGMENTS.reduce((redacted, pattern) => redacted.replace(pattern, '$1[token]'), decoded);
}
