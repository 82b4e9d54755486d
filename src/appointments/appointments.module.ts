import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppointmentTypesModule } from '../appointment-types/appointment-types.module';
import { BlackoutsModule } from '../blackouts/blackouts.module';
import { CustomersModule } from '../customers/customers.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { TeamMembersModule } from '../team-members/team-members.module';
import { AppointmentEntity, AppointmentHostEntity } from './appointment.entity';
import { AppointmentsController, AvailabilityController } from './appointments.controller';
import { AppointmentsRepository } from './appointments.repository';
import { AppointmentsService } from './appointments.service';
import { AvailabilityService } from './availability.service';
import { ScheduleConflicts } from './schedule-conflicts';
import { ScheduleInputs } from './schedule-inputs';
import { TeamMemberDeletedListener } from './listeners/team-member-deleted.listener';
import { AppointmentPlacement } from './placement';

@Module({
  imports: [
    TypeOrmModule.forFeature([AppointmentEntity, AppointmentHostEntity]),
    AppointmentTypesModule,
    TeamMembersModule,
    CustomersModule,
    IdempotencyModule,
    BlackoutsModule,
  ],
  controllers: [AppointmentsController, AvailabilityController],
  providers: [
    AppointmentsService,
    AppointmentsRepository,
    AppointmentPlacement,
    AvailabilityService,
    ScheduleConflicts,
    ScheduleInputs,
    TeamMemberDeletedListener,
  ],
  exports: [AppointmentsService, AvailabilityService],
})
export class AppointmentsModule {}
