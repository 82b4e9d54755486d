import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TeamMembersModule } from '../team-members/team-members.module';
import { AppointmentTypeEntity } from './appointment-type.entity';
import { AppointmentTypesController } from './appointment-types.controller';
import { AppointmentTypesService } from './appointment-types.service';
import { TeamMemberDeletedListener } from './listeners/team-member-deleted.listener';

@Module({
  imports: [TypeOrmModule.forFeature([AppointmentTypeEntity]), TeamMembersModule],
  controllers: [AppointmentTypesController],
  providers: [AppointmentTypesService, TeamMemberDeletedListener],
  exports: [AppointmentTypesService],
})
export class AppointmentTypesModule {}
