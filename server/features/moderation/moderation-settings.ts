// The network's moderation settings (a group of the settings registry, decision 013) and the word
// list built from them. The word list is checked on every post, comment and chat message, so each
// node keeps the compiled pattern with the registry's copy of the settings instead of reading them
// on every write (decision 011); a change reaches every node through the registry.
import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import { updateModerationSettingsSchema } from '../../../shared/api/moderation.routes';
import type { Db } from '../../core/db/database';
import { users } from '../../core/db/schema';
import { AppError, problem } from '../../core/errors';
import { renderMarkdown } from '../../core/markdown';
import type { SettingsRegistry } from '../../core/settings/settings';
import { authorOf } from '../accounts/accounts.dto';

const field = updateModerationSettingsSchema.shape;

/** What is stored: the admins' form with the safeguarding contacts as user ids (their handles may change). */
export const moderationSettingsSchema = z.object({
  wordList: field.wordList.unwrap(),
  autoHide: field.autoHide.unwrap(),
  escalateAfterMinutes: field.escalateAfterMinutes.unwrap(),
  safeguardingContactIds: z.array(z.uuid()).max(20),
  helpMarkdown: field.helpMarkdown.unwrap(),
});

export type SettingsRow = z.output<typeof moderationSettingsSchema>;

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

export function createModerationSettings(db: Db, registry: SettingsRegistry) {
  const group = registry.define({
    scope: 'site',
    key: 'moderation',
    schema: moderationSettingsSchema,
    defaults: { wordList: [], autoHide: false, escalateAfterMinutes: 60, safeguardingContactIds: [], helpMarkdown: '' },
  });
  // The pattern compiled from the registry's copy; the registry hands out the same object until it
  // reads again, so a new object means new settings.
  let compiled: { row: Readonly<SettingsRow>; pattern: RegExp | null } | undefined;

  function withPattern(row: Readonly<SettingsRow>) {
    if (compiled?.row !== row) compiled = { row, pattern: wordPattern(row.wordList) };
    return compiled;
  }

  async function contactsOf(row: Readonly<SettingsRow>) {
    if (row.safeguardingContactIds.length === 0) return [];
    const found = await db.select().from(users).where(inArray(users.id, row.safeguardingContactIds));
    return found.filter((u) => u.status === 'active').map(authorOf);
  }

  return {
    group,

    /** The settings and the compiled word list, from this node's copy when it is fresh. */
    async current() {
      return withPattern(await group.get());
    },

    /** Whether this node knows, without a query, that the word list is empty. */
    knownEmpty(): boolean {
      const row = group.peek();
      return row !== undefined && !withPattern(row).pattern;
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
      let contactIds: string[] | undefined;
      if (patch.safeguardingContactHandles) {
        const handles = [...new Set(patch.safeguardingContactHandles.map((h) => h.replace(/^@/, '').toLowerCase()))];
        const found = handles.length ? await db.select().from(users).where(inArray(users.handle, handles)) : [];
        const active = found.filter((u) => u.status === 'active' && !u.isBot);
        const missing = handles.filter((h) => !active.some((u) => u.handle === h));
        if (missing.length) {
          const named = missing.map((h) => `@${h}`).join(', ');
          throw new AppError('validation_failed', problem('No active member with the handle {{handles}}', { handles: named }), {
            errors: [{ path: 'safeguardingContactHandles', message: `no active member ${named}` }],
          });
        }
        contactIds = active.map((u) => u.id);
      }
      await group.update(db, {
        ...(patch.wordList ? { wordList: [...new Set(patch.wordList)] } : {}),
        ...(patch.autoHide !== undefined ? { autoHide: patch.autoHide } : {}),
        ...(patch.escalateAfterMinutes !== undefined ? { escalateAfterMinutes: patch.escalateAfterMinutes } : {}),
        ...(contactIds ? { safeguardingContactIds: contactIds } : {}),
        ...(patch.helpMarkdown !== undefined ? { helpMarkdown: patch.helpMarkdown } : {}),
      });
      const { safeguardingContactHandles: _handles, ...rest } = patch;
      return { changed: { ...rest, ...(contactIds ? { safeguardingContactIds: contactIds } : {}) } };
    },
  };
}

export type ModerationSettings = ReturnType<typeof createModerationSettings>;
