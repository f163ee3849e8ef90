// The words and markup of notification mail (decision 022): a plain-text part and a simple HTML
// part with inline styles (mail clients drop style sheets), everything from members escaped.
import type { NotificationView } from '../../../../shared/api/notifications.routes';
import type { Translate } from '../../../core/i18n/i18n';

/** The platform's kinds with a sentence of their own in `notify:notificationMail.kinds` (camelCased); other features' kinds say 'other'. */
const worded = new Set(['mention', 'reply', 'thread', 'reaction', 'message', 'joinRequest', 'requestApproved', 'invitation', 'moderation', 'guidelines', 'newPost']);

export function kindKey(kind: string): string {
  const key = kind.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return worded.has(key) ? key : 'other';
}

/** Features' mail kinds with a name of their own in `notify:notificationMail.scopes`. */
const namedScopes: Record<string, string> = { 'event.confirmation': 'eventConfirmation' };

/** What an unsubscribe scope is called ("mentions", "the digest", "all notification email"). */
export function scopeName(t: Translate, scope: string): string {
  if (scope === 'digest' || scope === 'all') return t(`notify:notificationMail.scopes.${scope}`);
  const named = namedScopes[scope];
  if (named) return t(`notify:notificationMail.scopes.${named}`);
  return t(`notify:notificationMail.scopes.${kindKey(scope)}`);
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** One notification as a mail line: who did what where, an excerpt, and where to open it. */
export interface MailLine {
  text: string;
  excerpt: string;
  link: string | null;
}

/** A notification the member may still read, in words (a gone one is never given here). */
export function lineOf(t: Translate, view: NotificationView, site: string, publicUrl: string): MailLine {
  const first = view.actors[0]?.displayName ?? t('notify:notificationMail.someone');
  const who = view.actorCount > 1 ? t('notify:notificationMail.whoAndOthers', { actor: first, count: view.actorCount - 1 }) : first;
  return {
    text: t(`notify:notificationMail.kinds.${kindKey(view.kind)}`, { who, space: view.space?.name ?? site }),
    excerpt: view.subject?.available && view.subject.kind !== 'space' ? view.subject.excerpt : '',
    link: view.link ? `${publicUrl}${view.link}` : null,
  };
}

export interface MailFooter {
  /** Per-scope links: "Stop emails about mentions". */
  unsubscribe: { label: string; url: string }[];
  preferencesUrl: string;
}

export interface MailSection {
  /** A space's name (or "Elsewhere"); threads inside it. */
  heading: string;
  threads: { lines: MailLine[] }[];
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const styles = {
  body: 'margin:0;padding:24px;background:#f6f4ef;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#222;',
  card: 'max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px;',
  site: 'font-size:13px;color:#6b6357;margin:0 0 16px;',
  heading: 'font-size:16px;margin:20px 0 8px;color:#222;',
  line: 'margin:0 0 12px;line-height:1.45;',
  excerpt: 'display:block;color:#555;border-inline-start:3px solid #d9d2c5;padding-inline-start:8px;margin-top:4px;',
  link: 'color:#8a4b1f;',
  footer: 'max-width:560px;margin:16px auto 0;font-size:12px;color:#6b6357;line-height:1.5;',
};

function htmlLine(line: MailLine, open: string): string {
  const excerpt = line.excerpt ? `<span style="${styles.excerpt}">${escapeHtml(line.excerpt)}</span>` : '';
  const link = line.link ? ` <a href="${escapeHtml(line.link)}" style="${styles.link}">${escapeHtml(open)}</a>` : '';
  return `<p style="${styles.line}">${escapeHtml(line.text)}${link}${excerpt}</p>`;
}

function textLine(line: MailLine): string {
  return [`- ${line.text}`, line.excerpt ? `  "${line.excerpt}"` : '', line.link ? `  ${line.link}` : ''].filter(Boolean).join('\n');
}

/** The plain-text footer of a mail: why it came, a line per thing to stop, where to choose. */
export function footerText(t: Translate, site: string, footer: MailFooter): string[] {
  return [
    '--',
    t('notify:notificationMail.footer.why', { site }),
    ...footer.unsubscribe.map((u) => `${u.label}: ${u.url}`),
    `${t('notify:notificationMail.footer.preferences')}: ${footer.preferencesUrl}`,
  ];
}

/** One mail: an intro, sections of lines, an optional list of popular posts, and the footer. */
export function renderMail(input: {
  t: Translate;
  rtl: boolean;
  site: string;
  subject: string;
  intro: string;
  sections: MailSection[];
  popular?: { heading: string; lines: MailLine[] };
  footer: MailFooter;
}): RenderedMail {
  const { t, site, footer } = input;
  const open = t('notify:notificationMail.open');
  const why = t('notify:notificationMail.footer.why', { site });
  const preferences = t('notify:notificationMail.footer.preferences');

  const textParts = [input.intro, ''];
  const htmlParts = [`<p style="${styles.line}">${escapeHtml(input.intro)}</p>`];
  const sections = [...input.sections, ...(input.popular && input.popular.lines.length ? [{ heading: input.popular.heading, threads: [{ lines: input.popular.lines }] }] : [])];
  for (const section of sections) {
    if (section.heading) {
      textParts.push(section.heading, '');
      htmlParts.push(`<h2 style="${styles.heading}">${escapeHtml(section.heading)}</h2>`);
    }
    for (const thread of section.threads) {
      textParts.push(thread.lines.map(textLine).join('\n'), '');
      htmlParts.push(thread.lines.map((line) => htmlLine(line, open)).join(''));
    }
  }
  textParts.push(...footerText(t, site, footer));
  const footerHtml = [
    escapeHtml(why),
    ...footer.unsubscribe.map((u) => `<a href="${escapeHtml(u.url)}" style="${styles.link}">${escapeHtml(u.label)}</a>`),
    `<a href="${escapeHtml(footer.preferencesUrl)}" style="${styles.link}">${escapeHtml(preferences)}</a>`,
  ].join('<br>');
  const dir = input.rtl ? 'rtl' : 'ltr';
  const html = `<!doctype html><html dir="${dir}"><head><meta charset="utf-8"><title>${escapeHtml(input.subject)}</title></head><body style="${styles.body}"><div style="${styles.card}"><p style="${styles.site}">${escapeHtml(site)}</p>${htmlParts.join('')}</div><p style="${styles.footer}">${footerHtml}</p></body></html>`;
  return { subject: input.subject, text: textParts.join('\n'), html };
}
