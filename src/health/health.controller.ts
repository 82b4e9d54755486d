import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth/public.decorator';
import { HealthService } from './health.service';

class EventsHealthDto {
  @ApiProperty({ description: 'Committed events not yet handled by every listener', example: 0 })
  unhandled!: number;

  @ApiProperty({
    description: 'Unhandled events whose listeners failed; they are retried with exponential back-off',
    example: 0,
  })
  failing!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The oldest failing event (its id is in the error log lines)',
    example: null,
  })
  oldest_failing_id!: number | null;
}

class HealthDto {
  @ApiProperty({ enum: ['ok', 'unavailable'], example: 'ok' })
  status!: 'ok' | 'unavailable';

  @ApiProperty({ enum: ['up', 'down'], example: 'up' })
  database!: 'up' | 'down';

  @ApiProperty({ type: EventsHealthDto, required: false })
  events?: EventsHealthDto;
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Liveness and database check' })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({
    type: HealthDto,
    description: 'The database does not answer (within 2 s)',
  })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    const events = await this.health.events();
    if (events === null) {
      void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'unavailable', database: 'down' };
    }
    return { status: 'ok', database: 'up', events };
  }
}
