import { z } from 'zod';

// What every value a member sends must be before it reaches the database or another member's
// screen (issue #12, items 11 and 12). PostgreSQL's text cannot hold NUL and its integer columns
// stop at 2^31 - 1; a lone surrogate is not Unicode at all; invisible and direction-changing
// characters let one name pass for another. Every input schema of shared/ builds its strings and
// counters from these, so a bad value is `validation_failed`, never `internal`.

/** The largest value of a PostgreSQL `integer` (int4) column: every sequence number, version and id we count with. */
export const MAX_INT4 = 2_147_483_647;

// eslint-disable-next-line no-control-regex -- matching NUL is the point
const NUL = /\u0000/;
/** In a `u` regex a surrogate pair is one code point, so `\p{Cs}` matches only a lone half. */
const LONE_SURROGATE = /\p{Cs}/u;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidirectional embeddings, overrides, isolates and marks: they reorder what follows them on screen. */
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** A character that shows something: not a space, a control, a format or default-ignorable character, a lone mark, or a blank. */
const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Mn}\p{Me}\u2800]/u;

/**
 * A string of text as a member writes it (a post, a bio, a search): any characters but NUL, and
 * valid Unicode (no lone surrogates). Chain `.trim()`, `.max()` and the like after it.
 * @example
 *   const bio = text().trim().max(500);
 *   bio.safeParse('a\u0000b').success; // false: "must not contain NUL characters"
 */
export function text() {
  return z
    .string()
    .refine((value) => !NUL.test(value), 'must not contain NUL characters')
    .refine((value) => !LONE_SURROGATE.test(value), 'must be valid Unicode (it holds a lone surrogate)');
}

/**
 * A name people recognise someone or something by (a display name, a space's name): NFC
 * normalised and trimmed, at least one visible character, no control characters and no bidi
 * controls (a right-to-left override makes "Ada\u202Enimda" read as "Adaadmin").
 * @example
 *   const displayName = nameText({ min: 1, max: 60 });
 *   displayName.parse('Cafe\u0301'); // 'Café'
 *   displayName.safeParse('\u200b\u200b').success; // false: "must contain a visible character"
 */
export function nameText(length: { min: number; max: number }) {
  return text()
    .normalize('NFC')
    .trim()
    .min(length.min, length.min === 1 ? 'must not be empty' : `must be at least ${length.min} characters`)
    .max(length.max, `must be at most ${length.max} characters`)
    .refine((value) => !CONTROL.test(value), 'must not contain control characters')
    .refine((value) => !BIDI_CONTROL.test(value), 'must not contain characters that change the text direction (bidi controls)')
    .refine((value) => VISIBLE.test(value), 'must contain a visible character');
}

/**
 * A handle as typed to find someone (`@ada` without the @): compared with stored handles, which
 * are ASCII, so anything else cannot match and is refused rather than looked up.
 * @example
 *   handleRef().parse(' Ada_1 '); // 'ada_1'
 *   handleRef().safeParse('\u200bada').success; // false
 */
export function handleRef() {
  return z
    .string()
    .trim()
    .toLowerCase()
    .min(1, 'must not be empty')
    .max(40, 'must be at most 40 characters')
    .regex(/^[a-z0-9_]+$/, 'is not a handle: letters, digits and _');
}

/**
 * A whole number that fits the integer columns it is compared with (PostgreSQL int4).
 * @example
 *   int4().min(0).safeParse(9007199254740991).success; // false: "must be at most 2147483647"
 */
export function int4() {
  return z.number().int().max(MAX_INT4, `must be at most ${MAX_INT4}`);
}

/**
 * A query parameter holding such a number (`?before=42`), coerced from its text.
 * @example
 *   int4Query().min(1).parse('42'); // 42
 */
export function int4Query() {
  return z.coerce.number().int().max(MAX_INT4, `must be at most ${MAX_INT4}`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text a base64url cursor stands for, or undefined when it is not base64url of UTF-8. */
function decodeBase64UrlText(value: string): string | undefined {
  if (value.length % 4 === 1) return undefined;
  try {
    const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(value.length / 4) * 4, '='));
    return utf8.decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/**
 * An opaque cursor as the server hands them out (`nextCursor`): base64url, at most 200
 * characters. The server still decodes and checks what it stands for.
 * @example
 *   cursor().safeParse('MjAyNC0wMS0wMQ').success; // true
 *   cursor().safeParse('MjAy!!!').success; // false
 */
export function cursor() {
  return z.string().max(200).regex(/^[A-Za-z0-9_-]*$/, 'is not a cursor this server made');
}

/**
 * An opaque cursor that stands for a piece of text (the directory's "after this name"): base64url
 * of UTF-8 text a database can compare with, so forged bytes are refused, not queried.
 * @example
 *   textCursor().safeParse('__4AQQ').success; // false: bytes ff fe 00 41 are not UTF-8 text
 */
export function textCursor() {
  return cursor().refine((value) => {
    const decoded = decodeBase64UrlText(value);
    return decoded !== undefined && !NUL.test(decoded);
  }, 'is not a cursor this server made');
}

let canonicalZones: Set<string> | undefined;
/** Whether a name is one of this runtime's canonical IANA time zones (Intl.supportedValuesOf, plus UTC). */
export function isCanonicalTimeZone(name: string): boolean {
  canonicalZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  return canonicalZones.has(name);
}

/** Whether the runtime's Intl accepts a zone name, aliases included (Asia/Calcutta as well as Asia/Kolkata). */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Time zones, two strengths. What is stored with content and written to other calendars (an
 * event's zone) must be a canonical name; what only this member's clock needs (quiet hours) takes
 * any alias a browser may report.
 * @example
 *   timeZone().safeParse('Europe/London').success; // true
 *   timeZone({ aliases: true }).safeParse('Asia/Calcutta').success; // true
 */
export function timeZone(options: { aliases?: boolean } = {}) {
  return z
    .string()
    .max(64)
    .refine(options.aliases ? isKnownTimeZone : isCanonicalTimeZone, 'must be an IANA time zone such as Europe/London');
}
