import type { BlackoutEntity } from './blackout.entity';
import type { BlackoutDto } from './dto/blackout.dto';

export function toBlackoutDto(blackout: BlackoutEntity): BlackoutDto {
  return {
    id: blackout.id,
    start_date: new Date(blackout.start_at).toISOString(),
    end_date: new Date(blackout.end_at).toISOString(),
    reason: blackout.reason,
    appointment_type_id: blackout.appointment_type_id,
    team_member_id: blackout.team_member_id,
    date_created: new Date(blackout.date_created).toISOString(),
    date_modified: new Date(blackout.date_modified).toISOString(),
  };
}
