export const TEAM_MEMBER_STATUSES = ['active', 'inactive'] as const;
export type TeamMemberStatus = (typeof TEAM_MEMBER_STATUSES)[number];

/** Emails are compared and stored trimmed and lowercase, so that `Ada@Example.com` and `ada@example.com` clash. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
