// Dates, times, numbers and lists in the page's language (Intl), so "26 November 2026" reads
// "26 novembre 2026" in French and uses Arabic conventions in Arabic.
import { i18n, t } from './i18n.svelte';

/** `2026-11-26T10:00:00Z` → "26 November 2026". */
export function formatDate(iso: string | Date): string {
  return new Date(iso).toLocaleDateString(i18n.locale, { dateStyle: 'long' });
}

/** A short date: "26 Nov 2026". */
export function formatShortDate(iso: string | Date): string {
  return new Date(iso).toLocaleDateString(i18n.locale, { dateStyle: 'medium' });
}

/** "26 Nov 2026, 10:00". */
export function formatDateTime(iso: string | Date): string {
  return new Date(iso).toLocaleString(i18n.locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "10:00". */
export function formatTime(iso: string | Date): string {
  return new Date(iso).toLocaleTimeString(i18n.locale, { timeStyle: 'short' });
}

/** 1234 → "1,234" ("1 234" in French). */
export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(i18n.locale, options).format(value);
}

/** ['Ann', 'Bo', 'Cy'] → "Ann, Bo and Cy". */
export function formatList(items: readonly string[], type: Intl.ListFormatType = 'conjunction'): string {
  return new Intl.ListFormat(i18n.locale, { style: 'long', type }).format(items);
}

/**
 * A short "how long ago" for a time in the past; a date once it is a week old.
 * @example timeAgo('2026-01-01T10:00:00Z', Date.parse('2026-01-01T10:05:00Z')) // → '5 min. ago'
 */
export function timeAgo(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 45) return t('common:time.justNow');
  const relative = new Intl.RelativeTimeFormat(i18n.locale, { numeric: 'always', style: 'short' });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return relative.format(-minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 24) return relative.format(-hours, 'hour');
  const days = Math.round(hours / 24);
  if (days < 7) return relative.format(-days, 'day');
  return formatShortDate(iso);
}
