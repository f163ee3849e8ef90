import { nthWeekdayOf, presetOf, readableOn, recurrenceOf, weekdayOf } from '../client/src/lib/calendar-rules';

describe('the calendar form’s rules in the browser', () => {
  it('when a date is given, then its weekday and its place among that weekday’s days of the month follow', () => {
    expect(weekdayOf('2027-03-02')).toBe('TU');
    expect(weekdayOf('2027-03-28')).toBe('SU');
    expect(nthWeekdayOf('2027-03-02')).toBe(1);
    expect(nthWeekdayOf('2027-03-16')).toBe(3);
    // The 30th is the last Tuesday of March: "the last" rather than "the fifth".
    expect(nthWeekdayOf('2027-03-30')).toBe(-1);
    expect(nthWeekdayOf('2027-02-22')).toBe(-1);
  });

  it('when a preset is chosen, then it becomes the rule the server takes, with its end', () => {
    const none = { days: [], ends: 'never' as const, until: '', count: 0 };
    expect(recurrenceOf('none', '2027-03-02', none)).toBeNull();
    expect(recurrenceOf('weekly', '2027-03-02', none)).toEqual({ freq: 'weekly', interval: 1, byWeekday: ['TU'] });
    expect(recurrenceOf('weekly', '2027-03-02', { ...none, days: ['TH', 'MO'], ends: 'count', count: 6 })).toEqual({
      freq: 'weekly',
      interval: 1,
      byWeekday: ['MO', 'TH'],
      count: 6,
    });
    expect(recurrenceOf('monthlyDay', '2027-03-16', { ...none, ends: 'until', until: '2027-12-31' })).toEqual({ freq: 'monthly', interval: 1, byMonthDay: 16, until: '2027-12-31' });
    expect(recurrenceOf('monthlyNth', '2027-03-30', none)).toEqual({ freq: 'monthly', interval: 1, byNthWeekday: { n: -1, weekday: 'TU' } });
    expect(recurrenceOf('yearly', '2027-03-30', none)).toEqual({ freq: 'yearly', interval: 1 });
  });

  it('when the form says how often, then the rule carries that interval, kept between 1 and 99', () => {
    const none = { days: [], ends: 'never' as const, until: '', count: 0 };
    expect(recurrenceOf('weekly', '2027-03-02', { ...none, interval: 2 })).toEqual({ freq: 'weekly', interval: 2, byWeekday: ['TU'] });
    expect(recurrenceOf('monthlyNth', '2027-03-30', { ...none, interval: 3 })).toEqual({ freq: 'monthly', interval: 3, byNthWeekday: { n: -1, weekday: 'TU' } });
    expect(recurrenceOf('daily', '2027-03-02', { ...none, interval: 0 })).toEqual({ freq: 'daily', interval: 1 });
    expect(recurrenceOf('yearly', '2027-03-02', { ...none, interval: 250 })).toEqual({ freq: 'yearly', interval: 99 });
    expect(recurrenceOf('daily', '2027-03-02', { ...none, interval: Number.NaN })).toEqual({ freq: 'daily', interval: 1 });
  });

  it('when a rule comes back from the server, then the form shows its preset', () => {
    expect(presetOf(null)).toBe('none');
    expect(presetOf({ freq: 'monthly', interval: 1, byNthWeekday: { n: 2, weekday: 'TU' } })).toBe('monthlyNth');
    expect(presetOf({ freq: 'monthly', interval: 1 })).toBe('monthlyDay');
    expect(presetOf({ freq: 'weekly', interval: 1, byWeekday: ['MO'] })).toBe('weekly');
  });

  it('when an event has a colour, then its text is the one of white and near-black that reads on it', () => {
    expect(readableOn('#2f9e44')).toBe('#1f1b16');
    expect(readableOn('#c2410c')).toBe('#ffffff');
    expect(readableOn('#ffffff')).toBe('#1f1b16');
    expect(readableOn('#000000')).toBe('#ffffff');
    expect(readableOn('not a colour')).toBe('#ffffff');
  });
});
