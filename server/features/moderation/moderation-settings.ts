// The network's moderation settings (one row) and the word list built from them. The word list is
// checked on every post, comment and chat message, so each node keeps the compiled pattern for a
// short while instead of reading the row on every write (decision 011).
import { eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { updateModerationSettingsSchema } from '../../../shared/api/moderation.routes';
import type { Db } from '../../core/db/database';
import { moderationSettings, users } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import { renderMarkdown } from '../../core/markdown';
import { authorOf } from '../accounts/accounts.dto';

export type SettingsRow = typeof moderationSettings.$inferSelect;

/** How long a node trusts its copy of the settings: another node's change reaches it within this. */
export const SETTINGS_TTL_MS = 15_000;

export const DEFAULT_HELP_MARKDOWN = [
  'If you or someone else is in danger right now, call your local emergency number.',
  '',
  'Anything on this network that worries you: use **Report** on the post, comment, message or profile, or write to one of the people below. Reports are seen by the moderators only, and they never learn who reported.',
].join('\n');

/**
 * A pattern matching any listed word or phrase as a whole word, in any case.
 * @example wordPattern(['spam offer'])?.test('A SPAM OFFER!') === true
 */
export function wordPattern(words: string[]): RegExp | null {
  const cleaned = [...new Set(words.map((w) => w.trim().toLowerCase()).filter(Boolean))];
  if (cleaned.length === 0) return null;
  const escaped = cleaned.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'));
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${escaped.join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
}

export function createModerationSettings(db: Db) {
  let cached: { at: number; row: SettingsRow; pattern: RegExp | null } | undefined;

  async function read(): Promise<SettingsRow> {
    const [row] = await db.select().from(moderationSettings).where(eq(moderationSettings.id, 1));
    if (row) return row;
    // First use: the row with its defaults (two nodes at once: one insert wins, both read it).
    await db.insert(moderationSettings).values({ id: 1 }).onConflictDoNothing();
    const [created] = await db.select().from(moderationSettings).where(eq(moderationSettings.id, 1));
    return created!;
  }

  function remember(row: SettingsRow) {
    cached = { at: Date.now(), row, pattern: wordPattern(row.wordList) };
    return cached;
  }

  async function contactsOf(row: SettingsRow) {
    if (row.safeguardingContactIds.length === 0) return [];
    const found = await db.select().from(users).where(inArray(users.id, row.safeguardingContactIds));
    return found.filter((u) => u.status === 'active').map(authorOf);
  }

  return {
    /** The settings, from this node's copy when it is fresh. */
    async current() {
      if (cached && Date.now() - cached.at < SETTINGS_TTL_MS) return cached;
      return remember(await read());
    },

    /** Whether this node knows, without a query, that the word list is empty. */
    knownEmpty(): boolean {
      return Boolean(cached && Date.now() - cached.at < SETTINGS_TTL_MS && !cached.pattern);
    },

    async view() {
      const { row } = await this.current();
      return {
        wordList: row.wordList,
        autoHide: row.autoHide,
        escalateAfterMinutes: row.escalateAfterMinutes,
        safeguardingContacts: await contactsOf(row),
        helpMarkdown: row.helpMarkdown,
      };
    },

    async help() {
      const { row } = await this.current();
      return { helpHtml: renderMarkdown(row.helpMarkdown || DEFAULT_HELP_MARKDOWN), contacts: await contactsOf(row) };
    },

    /** Applies a change; returns what changed, for the audit log. */
    async update(patch: z.output<typeof updateModerationSettingsSchema>) {
      await read();
      let contactIds: string[] | undefined;
      if (patch.safeguardingContactHandles) {
        const handles = [...new Set(patch.safeguardingContactHandles.map((h) => h.replace(/^@/, '').toLowerCase()))];
        const found = handles.length ? await db.select().from(users).where(inArray(users.handle, handles)) : [];
        const active = found.filter((u) => u.status === 'active' && !u.isBot);
        const missing = handles.filter((h) => !active.some((u) => u.handle === h));
        if (missing.length) {
          throw new AppError('validation_failed', `No such member: @${missing.join(', @')}`, {
            errors: [{ path: 'safeguardingContactHandles', message: `no active member @${missing.join(', @')}` }],
          });
        }
        contactIds = active.map((u) => u.id);
      }
      const [row] = await db
        .update(moderationSettings)
        .set({
          ...(patch.wordList ? { wordList: [...new Set(patch.wordList)] } : {}),
          ...(patch.autoHide !== undefined ? { autoHide: patch.autoHide } : {}),
          ...(patch.escalateAfterMinutes !== undefined ? { escalateAfterMinutes: patch.escalateAfterMinutes } : {}),
          ...(contactIds ? { safeguardingContactIds: contactIds } : {}),
          ...(patch.helpMarkdown !== undefined ? { helpMarkdown: patch.helpMarkdown } : {}),
          updatedAt: new Date(),
        })
        .where(eq(moderationSettings.id, 1))
        .returning();
      remember(row!);
      const { safeguardingContactHandles: _handles, ...rest } = patch;
      return { changed: { ...rest, ...(contactIds ? { safeguardingContactIds: contactIds } : {}) } };
    },
  };
}

export type ModerationSettings = ReturnType<typeof createModerationSettings>;
