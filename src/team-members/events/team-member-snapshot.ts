import type { TeamMemberSnapshot, TeamMemberStatus } from '../team-member.types';

/**
 * A team member as its events carry it: a stored, replayable snapshot of its own, not the API's DTO (an API
 * change must not silently change events already in the outbox).
 */
export interface TeamMemberEventSnapshot extends TeamMemberSnapshot {
  status: TeamMemberStatus;
}

export interface TeamMemberEventPayload {
  team_member: TeamMemberEventSnapshot;
}
