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

export function fill(template: string, values: Partial<Record<Placeholder, string>>): string {
  return template.replace(/\{[a-z]+\}/g, (key) => values[key as Placeholder] ?? key);
}
