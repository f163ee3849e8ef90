// The calendar's pure rules (no page state): weekdays, a form's recurrence presets as a rule,
// and a readable text colour. Unit-tested in test/client-calendar-rules.test.ts.
import type { Recurrence, Weekday, weekdays as sharedWeekdays } from '../../../shared/api/calendar.routes';

export const weekdays: typeof sharedWeekdays = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/**
 * The weekday of a date.
 * @example weekdayOf('2027-03-02') // → 'TU'
 */
export function weekdayOf(date: string): Weekday {
  const index = new Date(`${date}T12:00:00Z`).getUTCDay();
  return (['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const)[index] ?? 'MO';
}

/**
 * Which weekday of its month a date is: 1 for the first Tuesday, -1 when it is the last.
 * @example nthWeekdayOf('2027-03-30') // → -1 (the last Tuesday of March)
 */
export function nthWeekdayOf(date: string): number {
  const day = Number(date.slice(8, 10));
  const daysInMonth = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)), 0)).getUTCDate();
  if (day + 7 > daysInMonth) return -1;
  return Math.ceil(day / 7);
}

/** The recurrence presets of the form. */
export type RecurrencePreset = 'none' | 'daily' | 'weekly' | 'monthlyDay' | 'monthlyNth' | 'yearly';

/** The form's preset for a rule (a rule the presets cannot say stays as it is: 'custom'). */
export function presetOf(recurrence: Recurrence | null): RecurrencePreset {
  if (!recurrence) return 'none';
  if (recurrence.freq === 'monthly') return recurrence.byNthWeekday ? 'monthlyNth' : 'monthlyDay';
  return recurrence.freq;
}

/**
 * A rule from the form's choices.
 * @example recurrenceOf('weekly', '2027-03-02', { days: ['TU', 'TH'], ends: 'count', count: 10, interval: 2 }) // → { freq: 'weekly', interval: 2, byWeekday: ['TU', 'TH'], count: 10 }
 */
export function recurrenceOf(
  preset: RecurrencePreset,
  startDate: string,
  options: { days: Weekday[]; ends: 'never' | 'until' | 'count'; until: string; count: number; interval?: number },
): Recurrence | null {
  if (preset === 'none') return null;
  const interval = Math.min(99, Math.max(1, Math.trunc(options.interval ?? 1) || 1));
  const end = options.ends === 'until' && options.until ? { until: options.until } : options.ends === 'count' && options.count > 0 ? { count: options.count } : {};
  switch (preset) {
    case 'daily':
      return { freq: 'daily', interval, ...end };
    case 'weekly':
      return { freq: 'weekly', interval, byWeekday: options.days.length > 0 ? weekdays.filter((day) => options.days.includes(day)) : [weekdayOf(startDate)], ...end };
    case 'monthlyDay':
      return { freq: 'monthly', interval, byMonthDay: Number(startDate.slice(8, 10)), ...end };
    case 'monthlyNth':
      return { freq: 'monthly', interval, byNthWeekday: { n: nthWeekdayOf(startDate), weekday: weekdayOf(startDate) }, ...end };
    case 'yearly':
      return { freq: 'yearly', interval, ...end };
  }
}

/**
 * The text colour that reads on a background colour (a space's or a category's, chosen by
 * people): white or near-black, whichever contrasts more (WCAG relative luminance).
 * @example readableOn('#2f9e44') // → '#1f1b16'
 */
export function readableOn(hex: string): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) return '#ffffff';
  const channel = (part: string) => {
    const value = parseInt(part, 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(match[1]!) + 0.7152 * channel(match[2]!) + 0.0722 * channel(match[3]!);
  // Against white (1.0) and against #1f1b16 (≈0.012).
  const onWhite = 1.05 / (luminance + 0.05);
  const onDark = (luminance + 0.05) / 0.062;
  return onWhite >= onDark ? '#ffffff' : '#1f1b16';
}
