import { formatWhen } from './slot-picker';

describe('slot picker', () => {
  it('names the zone of an appointment as the zone menu and the times heading do (no underscores)', () => {
    expect(formatWhen('2026-11-30T08:00:00.000Z', 'America/New_York')).toBe(
      'Monday, 30 November 2026, 3:00 AM (America/New York)',
    );
  });
});
