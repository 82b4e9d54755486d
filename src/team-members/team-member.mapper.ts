import type { TeamMemberEventSnapshot } from './events/team-member-snapshot';
import { toTeamMemberSnapshot } from './team-member.types';
import type { TeamMemberDto } from './dto/team-member.dto';
import type { TeamMemberEntity } from './team-member.entity';

/** `defaultTimezone` stands in for members stored before they had a zone of their own. */
export function toTeamMemberDto(member: TeamMemberEntity, defaultTimezone: string): TeamMemberDto {
  return {
    id: member.id,
    name: member.name,
    display_name: member.display_name,
    email: member.email,
    wp_user_id: member.wp_user_id,
    status: member.status,
    timezone: member.timezone ?? defaultTimezone,
    availability: member.availability ?? null,
    date_overrides: member.date_overrides ?? [],
    date_created: new Date(member.date_created).toISOString(),
    date_modified: new Date(member.date_modified).toISOString(),
  };
}

/** The member as its own events carry it. */
export function toTeamMemberEventSnapshot(member: TeamMemberEntity): TeamMemberEventSnapshot {
  return { ...toTeamMemberSnapshot(member), status: member.status };
}
