// The welcome texts, with {placeholders}. Admins replace the network-wide ones in the admin
// screens; hosts write each space's greeting. Unknown placeholders are left as they are.

/** What the network-wide texts may contain ({suggestions}: the direct message and the email body only). */
export const PLACEHOLDERS = ['{name}', '{handle}', '{site}', '{guidelines}', '{help}', '{suggestions}', '{manager}'] as const;
/** What a space's own greeting may contain. */
export const SPACE_PLACEHOLDERS = ['{name}', '{handle}', '{space}', '{hosts}', '{site}'] as const;

export const DEFAULT_TEMPLATES = {
  post: 'Everyone, please welcome **{name}** (@{handle}) to {site}! 👋 Say hello below.',
  message: [
    'Hi {name}, welcome to {site}! I am the welcome bot (a program, not a person) and I am here to help you find your way.',
    '',
    '- Our community guidelines: {guidelines}',
    '- Need help? {help}',
    '',
    '{suggestions}',
  ].join('\n'),
  emailSubject: 'Welcome to {site}, {name}',
  email: [
    'Dear {name},',
    '',
    'Welcome to {site}! I am glad you found your way here.',
    '',
    'Our community guidelines are at {guidelines}; they are short and worth a read.',
    'If you need anything: {help}',
    '',
    '{suggestions}',
    '',
    'Warm wishes,',
    '{manager}',
  ].join('\n'),
  manager: 'The community team',
};

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
