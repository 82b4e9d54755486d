import { Injectable, Logger } from '@nestjs/common';
import { OutboxRelay } from '../outbox/outbox-relay';
import type { OutboxStats } from '../outbox/outbox.repository';
import { DatabaseProbe } from './database-probe';

/** What `/health` reports: the outbox's counts, read by the database probe. */
@Injectable()
export class HealthService {
  private readonly logger = new Logger(HealthService.name);
  /** The read under way: checks that come while it runs share its answer (a flood asks the database once). */
  private reading?: Promise<OutboxStats | null>;

  constructor(
    private readonly probe: DatabaseProbe,
    private readonly outbox: OutboxRelay,
  ) {}

  /** The outbox's counts, or null when the database did not answer them (in time). */
  events(): Promise<OutboxStats | null> {
    this.reading ??= this.outbox
      .stats((sql) => this.probe.read(sql))
      .catch((error: unknown) => {
        this.logger.warn({
          msg: 'the health check found the database down',
          error: error instanceof Error ? error.message : String(error),
        });
        return null;
      })
      .finally(() => (this.reading = undefined));
    return this.reading;
  }
}
