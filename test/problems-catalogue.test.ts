// Every sentence an error may say to a person is in the English problems catalogue, and so (by
// test/i18n.test.ts) in every language: docs/decisions/017-one-i18n-library.md, addendum.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isCovered, problemMessages, type ProblemMessage } from '../scripts/problem-messages';
import { problemTitles } from '../server/core/errors';
import { matchTemplate, problemText } from '../server/core/i18n/problems';

const root = path.join(__dirname, '..');
const english = JSON.parse(readFileSync(path.join(root, 'shared/i18n/en/problems.json'), 'utf8')) as Record<string, string>;
const keys = Object.keys(english);
const where = (m: ProblemMessage) => `${path.relative(root, m.file)}:${m.line} ${JSON.stringify(m.text.replaceAll('\u0000', '${…}'))}`;

describe('the problems catalogue', () => {
  const messages = problemMessages(root);

  it('finds the sentences of the server and of the shared schemas', () => {
    // The scan itself: a sentence from each kind of site, so a scanner that finds nothing fails.
    const texts = new Set(messages.map((m) => m.text));
    expect(texts).toContain('This space is archived and read-only'); // new AppError(code, '…')
    expect(texts).toContain('No member with the handle {{handles}}'); // problem('…', values)
    expect(texts).toContain('must not contain your handle'); // { path, message: '…' }
    expect(texts).toContain('must be 3–30 characters: letters, digits or _, starting with a letter'); // zod .regex(…, '…')
    expect(texts).toContain('Too many failed sign-ins from your network; try again later'); // consume(…, …, '…')
    expect(messages.length).toBeGreaterThan(150);
  });

  it('has every sentence an AppError, a field error, a limit or a schema of ours says', () => {
    expect(messages.filter((m) => !isCovered(m, keys)).map(where)).toEqual([]);
  });

  it('has the title of every error code', () => {
    expect(Object.values(problemTitles).filter((title) => !keys.includes(title))).toEqual([]);
  });

  it('keeps English as the source: each English message is its own key', () => {
    expect(Object.entries(english).filter(([key, text]) => key !== text)).toEqual([]);
  });

  it('recognises a sentence that arrives filled in, and says it in French with the same values', () => {
    expect(matchTemplate('No member with the handle @ada, @grace')).toEqual({ key: 'No member with the handle {{handles}}', vars: { handles: '@ada, @grace' } });
    expect(problemText('fr', 'must be at most 60 characters')).toBe('doit compter au plus 60 caractères');
    expect(problemText('fr', 'Not a sentence we know')).toBe('Not a sentence we know');
  });

  it('writes dates in the reader’s language', () => {
    const text = 'Your account is suspended until {{until, datetime(dateStyle: long; timeStyle: short; timeZone: UTC)}} UTC';
    const until = new Date('2030-03-04T05:06:00Z');
    expect(problemText('en', text, { until })).toMatch(/^Your account is suspended until March 4, 2030 at 5:06\sAM UTC$/);
    expect(problemText('fr', text, { until })).toMatch(/^Votre compte est suspendu jusqu’au 4 mars 2030 à 05:06 UTC$/);
  });
});
