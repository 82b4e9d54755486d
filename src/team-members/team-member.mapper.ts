import type { TeamMemberSnapshot } from './team-member.types';
import type { TeamMemberDto } from './dto/team-member.dto';
import type { TeamMemberEntity } from './team-member.entity';

export function toTeamMemberDto(member: TeamMemberEntity): TeamMemberDto {
  return {
    id: member.id,
    name: member.name,
    display_name: member.display_name,
    email: member.email,
    wp_user_id: member.wp_user_id,
    status: member.status,
    date_created: new Date(member.date_created).toISOString(),
    date_modified: new Date(member.date_modified).toISOString(),
  };
}

/** The host as an appointment event carries it (the `team_members` entries of the webhook payload). */
export function toTeamMemberSnapshot(member: TeamMemberEntity): TeamMemberSnapshot {
  return {
    id: member.id,
    wp_user_id: member.wp_user_id,
    name: member.name,
    display_name: member.display_name,
    email: member.email,
  };
}
