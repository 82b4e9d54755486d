import { styleText } from 'node:util';

/*
 * LOG_FORMAT=pretty: the same pino records as one readable line each, for a terminal. JSON stays the default
 * because log collectors parse it; this formatter only reshapes what pino wrote, so both formats carry the same
 * fields.
 */

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const LEVELS: Record<number, { label: string; style: Parameters<typeof styleText>[0] }> = {
  10: { label: 'TRACE', style: 'gray' },
  20: { label: 'DEBUG', style: 'blue' },
  30: { label: 'INFO ', style: 'green' },
  40: { label: 'WARN ', style: 'yellow' },
  50: { label: 'ERROR', style: 'red' },
  60: { label: 'FATAL', style: 'magenta' },
};

/** pino's own bookkeeping, shown in the line's head or not at all. */
const HIDDEN = new Set(['level', 'time', 'service', 'context', 'msg', 'pid', 'hostname', 'trace']);

function value(raw: unknown): string {
  if (typeof raw === 'string') return /[\s"=]/.test(raw) || raw === '' ? JSON.stringify(raw) : raw;
  return JSON.stringify(raw);
}

/** Fastify's request logs, shortened to what a developer reads: `GET /health 200 3.1 ms`. */
function requestFields(record: Record<string, unknown>): string[] {
  const parts: string[] = [];
  const req = record.req as { method?: string; url?: string } | undefined;
  const res = record.res as { statusCode?: number } | undefined;
  if (req?.method) parts.push(`${req.method} ${req.url ?? ''}`);
  if (res?.statusCode !== undefined) parts.push(String(res.statusCode));
  if (typeof record.responseTime === 'number') parts.push(`${record.responseTime.toFixed(1)} ms`);
  return parts;
}

/** One JSON log line as `HH:MM:SS.mmm LEVEL [context] message key=value …`; a line that is not JSON passes as is. */
export function formatPrettyLine(line: string, color = false): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const paint = (style: Parameters<typeof styleText>[0], text: string) =>
    color ? styleText(style, text) : text;
  const level = LEVELS[Number(record.level)] ?? { label: String(record.level), style: 'white' as const };
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const head = [paint('dim', time), paint(level.style, level.label)];
  if (typeof record.context === 'string') head.push(paint('cyan', `[${record.context}]`));
  if (record.msg !== undefined)
    head.push(typeof record.msg === 'string' ? record.msg : JSON.stringify(record.msg));
  const request = requestFields(record);
  const fields = Object.entries(record)
    .filter(([key, raw]) => !HIDDEN.has(key) && raw !== undefined)
    .filter(([key]) => request.length === 0 || !['req', 'res', 'responseTime'].includes(key))
    .map(([key, raw]) => `${paint('dim', `${key}=`)}${value(raw)}`);
  const trace = typeof record.trace === 'string' ? `\n${paint('red', record.trace)}` : '';
  return `${[...head, ...request, ...fields].join(' ')}${trace}\n`;
}

/** A pino destination that writes each record as a pretty line to `out` (stdout). */
export function prettyDestination(out: NodeJS.WriteStream = process.stdout): { write(line: string): void } {
  const color = out.isTTY === true && !process.env.NO_COLOR;
  return { write: (line) => void out.write(formatPrettyLine(line.trimEnd(), color)) };
}
