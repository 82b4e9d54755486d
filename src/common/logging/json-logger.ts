import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import type { LogLevel } from '../../config/app-config';
import { LogFormat, prettyDestination } from './pretty-log';
import { redactUrl } from './redact-url';

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** One pino instance for Nest's logger and Fastify's request logs: JSON lines on stdout, or pretty lines. */
export function createPino(level: LogLevel, format: LogFormat = 'json'): Pino {
  const options = {
    level,
    base: { service: 'booking' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Fastify's own request serializer, with customers' tokens taken out of the URL.
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
  };
  return format === 'pretty' ? pino(options, prettyDestination()) : pino(options);
}

/** Nest contexts that log one line per module, controller and route at start-up. */
const START_UP_DETAIL = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

export class JsonLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, context?: string): void {
    // Nest's start-up chatter (a line per module and per route) is detail: at info it buried the key banner.
    this.write(context !== undefined && START_UP_DETAIL.has(context) ? 'debug' : 'info', message, context);
  }

  error(message: unknown, traceOrContext?: string, context?: string): void {
    const trace = context === undefined ? undefined : traceOrContext;
    const at = context ?? traceOrContext;
    // Nest's ExceptionHandler logs, with its stack, an error that fails the start-up, then hands it on to
    // main, which explains it (a database it cannot open) or lets Node print it: the line is only noise above.
    this.write(at === 'ExceptionHandler' ? 'debug' : 'error', message, at, trace);
  }

  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }

  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }

  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }

  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace',
    message: unknown,
    context?: string,
    trace?: string,
  ): void {
    if (message instanceof Error) {
      // An Error's message and stack are not enumerable: spread, it logged only its extra fields (a failed
      // start-up's last line read `code=3D000 severity=FATAL …` without saying what failed).
      this.pino[level]({ ...message, context, trace: trace ?? message.stack }, message.message);
    } else if (message !== null && typeof message === 'object') {
      this.pino[level]({ context, trace, ...(message as Record<string, unknown>) });
    } else {
      this.pino[level]({ context, trace }, String(message));
    }
  }
}
