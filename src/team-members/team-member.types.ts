import type { WeeklyAvailability } from '../common/schedules/schedule.types';
import type { DateOverride } from '../common/schedules/schedule.types';

export const TEAM_MEMBER_STATUSES = ['active', 'inactive'] as const;
export type TeamMemberStatus = (typeof TEAM_MEMBER_STATUSES)[number];

/** Emails are compared and stored trimmed and lowercase, so that `Ada@Example.com` and `ada@example.com` clash. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A host as other modules' events carry it (and as the SSA payload's `team_members` shows it). */
export interface TeamMemberSnapshot {
  id: number;
  wp_user_id: number;
  name: string;
  display_name: string;
  email: string;
}

/** The one mapping to a host snapshot, from an entity, an event's member or anything with these fields. */
export function toTeamMemberSnapshot(member: TeamMemberSnapshot): TeamMemberSnapshot {
  return {
    id: member.id,
    wp_user_id: member.wp_user_id,
    name: member.name,
    display_name: member.display_name,
    email: member.email,
  };
}

/** A member's own working hours, as the slot rules read them. */
export interface MemberSchedule {
  id: number;
  timezone: string;
  /** null = the member follows the type. */
  availability: WeeklyAvailability | null;
  date_overrides: DateOverride[];
}
