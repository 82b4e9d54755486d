import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppointmentTypesModule } from '../appointment-types/appointment-types.module';
import { TeamMembersModule } from '../team-members/team-members.module';
import { BlackoutEntity } from './blackout.entity';
import { BlackoutsController } from './blackouts.controller';
import { BlackoutsRepository } from './blackouts.repository';
import { BlackoutsService } from './blackouts.service';

@Module({
  imports: [TypeOrmModule.forFeature([BlackoutEntity]), AppointmentTypesModule, TeamMembersModule],
  controllers: [BlackoutsController],
  providers: [BlackoutsService, BlackoutsRepository],
  exports: [BlackoutsService],
})
export class BlackoutsModule {}
