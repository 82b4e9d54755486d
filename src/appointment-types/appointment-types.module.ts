import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TeamMembersModule } from '../team-members/team-members.module';
import { AppointmentTypeEntity } from './appointment-type.entity';
import { AppointmentTypesController } from './appointment-types.controller';
import { AppointmentTypesRepository } from './appointment-types.repository';
import { AppointmentTypesService } from './appointment-types.service';
import { TeamMemberDeletedListener } from './listeners/team-member-deleted.listener';

@Module({
  imports: [TypeOrmModule.forFeature([AppointmentTypeEntity]), TeamMembersModule],
  controllers: [AppointmentTypesController],
  providers: [AppointmentTypesService, AppointmentTypesRepository, TeamMemberDeletedListener],
  exports: [AppointmentTypesService],
})
export class AppointmentTypesModule {}
