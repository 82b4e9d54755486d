import type { TeamMemberDto } from '../dto/team-member.dto';

/** Team member events carry the member as the API shows it. */
export interface TeamMemberEventPayload {
  team_member: TeamMemberDto;
}
