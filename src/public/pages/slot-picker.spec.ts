import { allZones, formatWhen, viewerZone } from './slot-picker';

describe('slot picker', () => {
  it('names the zone of an appointment as the zone menu and the times heading do (no underscores)', () => {
    expect(formatWhen('2026-11-30T08:00:00.000Z', 'America/New_York')).toBe(
      'Monday, 30 November 2026, 3:00 AM (America/New York)',
    );
  });

  it("offers zones by the names their people use now, UTC among them, and reads a browser's old name so", () => {
    const zones = allZones();
    expect(zones).toEqual(expect.arrayContaining(['Asia/Kolkata', 'Europe/Kyiv', 'Asia/Ho_Chi_Minh', 'UTC']));
    expect(zones).not.toContain('Asia/Calcutta');
    expect(zones).not.toContain('Europe/Kiev');
    expect(new Set(zones).size).toBe(zones.length);
    expect(viewerZone({ tz: 'Asia/Calcutta' }, 'UTC')).toBe('Asia/Kolkata');
    expect(viewerZone({ tz: 'America/New_York' }, 'UTC')).toBe('America/New_York');
    expect(viewerZone({ tz: 'Mars/Olympus' }, 'Europe/Berlin')).toBe('Europe/Berlin');
  });
});
