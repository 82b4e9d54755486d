/**
 * A customer's appointment token is a bearer secret that travels in the path (the change page, the public
 * API). Logs are read by more people than the database: every URL that reaches a log line goes through here.
 */
const TOKEN_SEGMENTS = [/(\/appointments\/change\/)[^/?#]+/, /(\/api\/v1\/public\/appointments\/)[^/?#]+/];

export function redactUrl(url: string): string {
  return TOKEN_SEGMENTS.reduce((redacted, pattern) => redacted.replace(pattern, '$1[token]'), url);
}
