// The welcome texts, with {placeholders}. Admins replace the network-wide ones in the admin
// screens; hosts write each space's greeting. Unknown placeholders are left as they are.
import { translator, type Locale } from '../../core/i18n/i18n';

/** What the network-wide texts may contain ({suggestions}: the direct message and the email body only). */
export const PLACEHOLDERS = ['{name}', '{handle}', '{site}', '{guidelines}', '{help}', '{suggestions}', '{manager}'] as const;
/** What a space's own greeting may contain. */
export const SPACE_PLACEHOLDERS = ['{name}', '{handle}', '{space}', '{hosts}', '{site}'] as const;

const en = translator('en');

/**
 * The built-in texts, in English: the defaults of the welcome settings. A text an admin has not
 * changed is written in each newcomer's own language instead (`builtInTexts`); one an admin wrote
 * stays as written. The catalogues keep the single-brace placeholders (`{name}`) of the templates.
 */
export const DEFAULT_TEMPLATES = {
  post: en('bot:templates.post'),
  message: en('bot:templates.message'),
  emailSubject: en('mail:welcome.subject'),
  email: en('mail:welcome.body'),
  manager: en('mail:welcome.manager'),
};

type TemplateTexts = typeof DEFAULT_TEMPLATES;

/**
 * The texts to greet one newcomer with: each admin-written one as it is, each built-in one in `locale`.
 * @example builtInTexts('fr', { post: DEFAULT_TEMPLATES.post, … }).post // the French built-in post
 */
export function builtInTexts(locale: Locale, current: TemplateTexts): TemplateTexts {
  const t = translator(locale);
  const pick = (key: keyof TemplateTexts, catalogueKey: string) => (current[key] === DEFAULT_TEMPLATES[key] ? t(catalogueKey) : current[key]);
  return {
    post: pick('post', 'bot:templates.post'),
    message: pick('message', 'bot:templates.message'),
    emailSubject: pick('emailSubject', 'mail:welcome.subject'),
    email: pick('email', 'mail:welcome.body'),
    manager: pick('manager', 'mail:welcome.manager'),
  };
}

type Placeholder = (typeof PLACEHOLDERS)[number] | (typeof SPACE_PLACEHOLDERS)[number];

/** Fills a plain-text template (the email's subject and body): values go in as they are. */
export function fill(template: string, values: Partial<Record<Placeholder, string>>): string {
  return template.replace(/\{[a-z]+\}/g, (key) => values[key as Placeholder] ?? key);
}

/**
 * Fills a Markdown template (the bot's post and messages, a space's greeting). The template is
 * its author's Markdown and stays so; `text` values (names people chose: a newcomer's, a space's,
 * the hosts') go in as text, so `[a](https://…)` or `@someone` in a name is neither a link nor a
 * mention; `markdown` values are Markdown the server wrote itself (links, the admins' mentions).
 *
 * @example fillMarkdown('Hi **{name}**', { text: { '{name}': '[x](y)' } }) // Hi **\[x\]\(y\)**
 */
export function fillMarkdown(
  template: string,
  values: { text?: Partial<Record<Placeholder, string>>; markdown?: Partial<Record<Placeholder, string>> },
): string {
  return template.replace(/\{[a-z]+\}/g, (key) => {
    const text = values.text?.[key as Placeholder];
    if (text !== undefined) return markdownText(text);
    return values.markdown?.[key as Placeholder] ?? key;
  });
}

/**
 * A value as literal text inside Markdown: each character that can open Markdown (emphasis,
 * links, images, code, HTML, entities, headings, lists, tables) backslash-escaped — CommonMark
 * renders it as itself — and `:` and `.` too, so linkify sees no URL or domain across the
 * escapes; `@` as its character reference (the mention finder reads the source, and a backslash
 * does not stop it); line breaks as spaces. Apostrophes, commas and the like stay readable.
 */
export function markdownText(value: string): string {
  return value
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]()<>!#+\-|~&:.=]/g, (c) => `\\${c}`)
    .replace(/@/g, '&#64;');
}

/** A handle for `@{handle}`: as it is when it is only letters, digits and underscores (so it mentions its owner), else as text. */
export function handleMarkdown(handle: string): string {
  return /^[a-z0-9_]+$/i.test(handle) ? handle : markdownText(handle);
}
