import { isQuiet, quietUntil, type QuietHours } from './notification-preferences';

const night: QuietHours = { from: '22:00', to: '07:00', timeZone: 'Europe/Paris' };
const lunch: QuietHours = { from: '12:00', to: '13:30', timeZone: 'America/New_York' };

describe('quiet hours', () => {
  test('when quiet hours run over midnight, then they hold late in the evening and early in the morning, not in the day', () => {
    // Paris is UTC+1 in January.
    expect(isQuiet(night, new Date('2025-01-15T21:00:00Z'))).toBe(true); // 22:00, the first quiet minute
    expect(isQuiet(night, new Date('2025-01-15T23:30:00Z'))).toBe(true); // 00:30
    expect(isQuiet(night, new Date('2025-01-16T05:59:00Z'))).toBe(true); // 06:59
    expect(isQuiet(night, new Date('2025-01-16T06:00:00Z'))).toBe(false); // 07:00, the first minute outside
    expect(isQuiet(night, new Date('2025-01-15T20:59:00Z'))).toBe(false); // 21:59
    expect(isQuiet(night, new Date('2025-01-15T11:00:00Z'))).toBe(false); // noon
  });

  test('when quiet hours lie within a day, then only that span is quiet, in the member’s zone', () => {
    // New York is UTC−5 in January.
    expect(isQuiet(lunch, new Date('2025-01-15T17:00:00Z'))).toBe(true); // 12:00
    expect(isQuiet(lunch, new Date('2025-01-15T18:29:00Z'))).toBe(true); // 13:29
    expect(isQuiet(lunch, new Date('2025-01-15T18:30:00Z'))).toBe(false); // 13:30
    expect(isQuiet(lunch, new Date('2025-01-15T12:00:00Z'))).toBe(false); // 07:00
  });

  test('when there are no quiet hours, or they start and end at the same time, then nothing is quiet and quietUntil is the moment itself', () => {
    const at = new Date('2025-01-15T23:30:00Z');
    expect(isQuiet(null, at)).toBe(false);
    expect(quietUntil(null, at)).toEqual(at);
    expect(isQuiet({ ...night, to: '22:00' }, at)).toBe(false);
    const day = new Date('2025-01-15T11:00:00Z');
    expect(quietUntil(night, day)).toEqual(day);
  });

  test('when it is quiet over midnight, then quietUntil is the end of the quiet hours the next morning', () => {
    expect(quietUntil(night, new Date('2025-01-15T21:10:30Z'))).toEqual(new Date('2025-01-16T06:00:00Z'));
    expect(quietUntil(night, new Date('2025-01-16T05:59:59Z'))).toEqual(new Date('2025-01-16T06:00:00Z'));
  });

  test('when the clocks go forward during the night, then the quiet hours end at 07:00 on the new time, an hour sooner', () => {
    // Paris, 30 March 2025: 02:00 CET becomes 03:00 CEST. From 23:00 CET (22:00 UTC) to 07:00 CEST (05:00 UTC).
    const at = new Date('2025-03-29T22:00:00Z');
    expect(isQuiet(night, at)).toBe(true);
    expect(isQuiet(night, new Date('2025-03-30T01:00:00Z'))).toBe(true); // 03:00 CEST, just after the jump
    const until = quietUntil(night, at);
    expect(until).toEqual(new Date('2025-03-30T05:00:00Z'));
    expect((until.getTime() - at.getTime()) / 3_600_000).toBe(7);
  });

  test('when the clocks go back during the night, then the quiet hours end at 07:00 on the new time, an hour later', () => {
    // Paris, 26 October 2025: 03:00 CEST becomes 02:00 CET. From 23:00 CEST (21:00 UTC) to 07:00 CET (06:00 UTC).
    const at = new Date('2025-10-25T21:00:00Z');
    const until = quietUntil(night, at);
    expect(until).toEqual(new Date('2025-10-26T06:00:00Z'));
    expect((until.getTime() - at.getTime()) / 3_600_000).toBe(9);
  });

  test('when quiet hours cover the hour the clocks skip, then the first minute after the jump is already outside them', () => {
    // 02:00–02:30 does not exist in Paris on 30 March 2025: 01:59 CET is followed by 03:00 CEST.
    const skipped: QuietHours = { from: '02:00', to: '02:30', timeZone: 'Europe/Paris' };
    expect(isQuiet(skipped, new Date('2025-03-30T00:59:00Z'))).toBe(false);
    expect(isQuiet(skipped, new Date('2025-03-30T01:00:00Z'))).toBe(false);
    // The next day it holds again.
    expect(isQuiet(skipped, new Date('2025-03-31T00:15:00Z'))).toBe(true);
  });
});
