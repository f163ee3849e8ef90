// The welcome bot and the welcome email. Greetings are durable jobs written with the change that
// calls for them (welcome.module.ts subscribes them to domain events), so they run after the
// request has answered (a newcomer never waits for the bot) and survive a crash; each is made at
// most once: one job per newcomer (dedupe key), the bot's chat messages carry fixed client ids
// (exactly-once sends), and the email is recorded.
import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { updateWelcomeSettingsSchema } from '../../../shared/api/welcome.routes';
import type { Config } from '../../config';
import type { Db } from '../../core/db/database';
import { emails, spaceMembers, spaces, users } from '../../core/db/schema';
import { AppError, problem } from '../../core/errors';
import { translator, type Languages, type Locale, type Translate } from '../../core/i18n/i18n';
import type { Logger } from '../../core/logger';
import type { UserRow } from '../accounts/accounts.dto';
import { checkAdmin, type Actor } from '../accounts/actor';
import type { ChatService } from '../chat/chat.service';
import { readSiteRow } from '../site/site.public';
import type { SpacesService } from '../spaces/spaces.service';
import type { StreamService } from '../spaces/stream.service';
import type { OutboxMail } from '../../core/mail/outbox';
import { builtInTexts, fill, fillMarkdown, handleMarkdown, markdownText, PLACEHOLDERS } from './templates';
import type { WelcomeSettings, WelcomeSettingsGroup } from './welcome.settings';

const BOT_HANDLE = 'welcome_bot';

export function createWelcomeService(deps: {
  db: Db;
  config: Pick<Config, 'publicUrl' | 'siteName'>;
  chat: ChatService;
  stream: StreamService;
  mail: OutboxMail;
  settings: WelcomeSettingsGroup;
  languages: Pick<Languages, 'of'>;
  /** Newcomers join the welcome space through the spaces module's trusted write. */
  spaces: Pick<SpacesService, 'doRestoreMember'>;
  logger: Logger;
}) {
  const { db, config, chat, stream, mail, languages, logger } = deps;
  let bot: UserRow | undefined;

  async function spaceExists(spaceId: string): Promise<boolean> {
    const [space] = await db.select({ id: spaces.id }).from(spaces).where(eq(spaces.id, spaceId));
    return Boolean(space);
  }

  /**
   * The network's welcome settings. The welcome space is a space's id without a foreign key: a
   * space that was deleted reads as none, as the old column's ON DELETE SET NULL made it.
   */
  async function currentSettings(): Promise<Readonly<WelcomeSettings>> {
    const current = await deps.settings.get();
    if (current.welcomeSpaceId && !(await spaceExists(current.welcomeSpaceId))) return { ...current, welcomeSpaceId: null };
    return current;
  }

  async function settingsView(current: Readonly<WelcomeSettings>) {
    const { managerIds, ...rest } = current;
    const named = managerIds.length
      ? await db.select({ id: users.id, handle: users.handle, displayName: users.displayName }).from(users).where(inArray(users.id, managerIds))
      : [];
    const managers = managerIds.flatMap((id) => named.filter((m) => m.id === id));
    return { ...rest, managers, placeholders: [...PLACEHOLDERS] };
  }

  /**
   * Who answers newcomers: the community managers the admins named (active members), else the
   * admins, oldest first.
   */
  async function managersOf(current: Readonly<WelcomeSettings>): Promise<UserRow[]> {
    if (current.managerIds.length) {
      const named = await db
        .select()
        .from(users)
        .where(and(inArray(users.id, current.managerIds), eq(users.status, 'active'), eq(users.isBot, false)));
      const ordered = current.managerIds.flatMap((id) => named.filter((m) => m.id === id));
      if (ordered.length) return ordered;
    }
    return db
      .select()
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.status, 'active'), eq(users.isBot, false)))
      .orderBy(asc(users.createdAt))
      .limit(3);
  }

  /** The bot's account, made on first need: marked as a bot everywhere its name shows. */
  async function botUser(): Promise<UserRow> {
    if (bot) return bot;
    const [existing] = await db.select().from(users).where(eq(users.isBot, true)).orderBy(asc(users.createdAt)).limit(1);
    if (existing) return (bot = existing);
    const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.handle, BOT_HANDLE));
    const handle = taken ? `${BOT_HANDLE}_${randomBytes(3).toString('hex')}` : BOT_HANDLE;
    const [created] = await db
      .insert(users)
      .values({ handle, displayName: translator('en')('bot:profile.displayName'), isBot: true, bio: translator('en')('bot:profile.bio') })
      .returning();
    return (bot = created!);
  }

  async function botActor(): Promise<Actor> {
    return { user: await botUser(), sessionId: 'welcome-bot', currentGuidelinesVersion: 0, ssoLinked: false };
  }

  /** The bot posts and chats as an ordinary member of the space (it shows in the member list). */
  async function ensureBotIn(spaceId: string): Promise<void> {
    const me = await botUser();
    await db
      .insert(spaceMembers)
      .values({ spaceId, userId: me.id, role: 'member', status: 'active' })
      .onConflictDoUpdate({ target: [spaceMembers.spaceId, spaceMembers.userId], set: { status: 'active' } });
  }

  /** Spaces and people that match what a newcomer told us (interests, location), else the liveliest. */
  async function suggestionsFor(user: UserRow): Promise<{ spaces: { slug: string; name: string }[]; people: { handle: string; displayName: string }[] }> {
    const terms = [...user.interests, ...(user.location ? [user.location] : [])]
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t.length >= 3)
      .slice(0, 10);
    const like = (t: string) => `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const score = sql.join(
      terms.map((t) => sql`(case when ${spaces.name} ilike ${like(t)} or ${spaces.description} ilike ${like(t)} then 1 else 0 end)`),
      sql` + `,
    );
    const members = sql<number>`(select count(*) from ${spaceMembers} where ${spaceMembers.spaceId} = ${spaces.id} and ${spaceMembers.status} = 'active')`;
    const spaceRows = await db
      .select({ slug: spaces.slug, name: spaces.name })
      .from(spaces)
      .where(
        and(
          ne(spaces.visibility, 'secret'),
          sql`${spaces.archivedAt} is null`,
          sql`not exists (select 1 from ${spaceMembers} where ${spaceMembers.spaceId} = ${spaces.id} and ${spaceMembers.userId} = ${user.id})`,
        ),
      )
      .orderBy(...(terms.length ? [desc(score)] : []), desc(members), asc(spaces.name))
      .limit(3);
    const overlap = user.interests.length
      ? sql`cardinality(array(select unnest(${users.interests}) intersect select unnest(${sql.param(user.interests)}::text[])))`
      : sql`0`;
    const samePlace = user.location ? sql`(case when lower(${users.location}) = ${user.location.toLowerCase()} then 1 else 0 end)` : sql`0`;
    const people = await db
      .select({ handle: users.handle, displayName: users.displayName })
      .from(users)
      .where(and(ne(users.id, user.id), eq(users.isBot, false), eq(users.status, 'active'), sql`(${overlap}) + (${samePlace}) > 0`))
      .orderBy(desc(sql`(${overlap}) + (${samePlace})`), desc(users.lastSeenAt))
      .limit(3);
    return { spaces: spaceRows, people };
  }

  /** What "Need help?" says: in chat, that a reply reaches the managers; in the email, whom to write to. */
  function helpText(t: Translate, managers: readonly UserRow[], style: 'markdown' | 'text'): string {
    if (style === 'markdown') {
      const who = managers.map((m) => `@${handleMarkdown(m.handle)}`).join(', ');
      return who ? t('bot:help.withManagers', { managers: who }) : t('bot:help.noManagers');
    }
    const who = managers.map((m) => `${m.displayName} (@${m.handle})`).join(', ');
    return who ? t('mail:welcome.help.withManagers', { managers: who }) : t('mail:welcome.help.noManagers');
  }

  function describeSuggestions(t: Translate, found: Awaited<ReturnType<typeof suggestionsFor>>, style: 'markdown' | 'text'): string {
    const lines: string[] = [];
    if (found.spaces.length) {
      lines.push(t('bot:suggestions.spaces'));
      for (const s of found.spaces) lines.push(style === 'markdown' ? `- [${markdownText(s.name)}](/s/${s.slug})` : `- ${s.name}: ${config.publicUrl}/s/${s.slug}`);
    }
    if (found.people.length) {
      if (lines.length) lines.push('');
      lines.push(t('bot:suggestions.people'));
      for (const p of found.people) lines.push(style === 'markdown' ? `- @${p.handle}` : `- ${p.displayName} (@${p.handle})`);
    }
    return lines.join('\n');
  }

  /**
   * The welcome post says "say hello below": the newcomer is made a member of the welcome space
   * first (the admins chose it; on by default), through the spaces module's trusted write.
   */
  async function joinWelcomeSpace(user: UserRow, spaceId: string): Promise<void> {
    const [current] = await db
      .select({ status: spaceMembers.status, role: spaceMembers.role })
      .from(spaceMembers)
      .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, user.id)));
    if (current?.status === 'active') return;
    const [space] = await db.select({ archivedAt: spaces.archivedAt }).from(spaces).where(eq(spaces.id, spaceId));
    if (!space || space.archivedAt) return;
    await deps.spaces.doRestoreMember(spaceId, user.id, current?.role ?? 'member');
    logger.debug({ userId: user.id, spaceId }, 'newcomer joined to the welcome space');
  }

  async function greetNewcomer(userId: string): Promise<void> {
    const settings = await currentSettings();
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    if (!user || user.isBot || user.status !== 'active') return;
    if (settings.joinWelcomeSpace && settings.welcomeSpaceId) await joinWelcomeSpace(user, settings.welcomeSpaceId);
    const site = await readSiteRow(db);
    const siteName = site.name ?? config.siteName;
    const found = await suggestionsFor(user);
    // The built-in texts in the newcomer's language; what the admins wrote, as they wrote it.
    const locale: Locale = await languages.of(user.id);
    const t = translator(locale);
    const texts = builtInTexts(locale, {
      post: settings.postTemplate,
      message: settings.messageTemplate,
      emailSubject: settings.emailSubject,
      email: settings.emailTemplate,
      manager: settings.managerName,
    });
    const managers = await managersOf(settings);
    // Plain text for the email; for the bot's Markdown, the names go in as text (docs/permissions.md).
    const values = {
      '{name}': user.displayName,
      '{handle}': user.handle,
      '{site}': siteName,
      '{guidelines}': `${config.publicUrl}/guidelines`,
      '{help}': helpText(t, managers, 'text'),
      '{manager}': texts.manager,
    };
    const markdownValues = (suggestions?: string) => ({
      text: { '{name}': user.displayName, '{site}': siteName, '{manager}': texts.manager },
      markdown: {
        '{handle}': handleMarkdown(user.handle),
        '{guidelines}': values['{guidelines}'],
        '{help}': helpText(t, managers, 'markdown'),
        ...(suggestions === undefined ? {} : { '{suggestions}': suggestions }),
      },
    });

    if (settings.botEnabled) {
      const actor = await botActor();
      if (settings.welcomeSpaceId) {
        await ensureBotIn(settings.welcomeSpaceId);
        // Once per newcomer: this runs on their first acceptance of the guidelines only.
        await stream.doCreatePost(actor, { spaceId: settings.welcomeSpaceId, bodyMarkdown: fillMarkdown(texts.post, markdownValues()), tags: [] });
      }
      const conversation = await chat.doOpenConversation(actor, { handles: [user.handle] });
      await chat.doSend(actor, {
        conversationId: conversation.id,
        clientId: `welcome-${user.id}`,
        bodyMarkdown: fillMarkdown(texts.message, markdownValues(describeSuggestions(t, found, 'markdown'))),
      });
    }

    if (settings.emailEnabled && user.email) {
      const [sent] = await db.select({ id: emails.id }).from(emails).where(and(eq(emails.userId, user.id), eq(emails.kind, 'welcome')));
      if (!sent) {
        await mail.enqueue(db, {
          kind: 'welcome',
          userId: user.id,
          to: user.email,
          subject: fill(texts.emailSubject, values),
          text: fill(texts.email, { ...values, '{suggestions}': describeSuggestions(t, found, 'text') }),
        });
      }
    }
  }

  async function greetInSpace(userId: string, spaceId: string): Promise<void> {
    const settings = await deps.settings.get();
    if (!settings.botEnabled) return;
    const [space] = await db.select().from(spaces).where(eq(spaces.id, spaceId));
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    // A space's greeting is its hosts' own text: a space without one is not greeted in.
    if (!space || !space.welcomeBot || !space.welcomeMarkdown.trim() || space.archivedAt || !user || user.isBot) return;
    const hosts = await db
      .select({ name: users.displayName })
      .from(spaceMembers)
      .innerJoin(users, eq(users.id, spaceMembers.userId))
      .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.role, 'host'), eq(spaceMembers.status, 'active')))
      .orderBy(asc(spaceMembers.joinedAt))
      .limit(5);
    await ensureBotIn(spaceId);
    const actor = await botActor();
    const conversation = await chat.accessSpaceChat(actor, spaceId);
    const text = fillMarkdown(space.welcomeMarkdown.trim(), {
      text: {
        '{name}': user.displayName,
        '{space}': space.name,
        '{hosts}': hosts.map((h) => h.name).join(', ') || translator(await languages.of(user.id))('bot:space.hostsFallback'),
        '{site}': config.siteName,
      },
      markdown: { '{handle}': handleMarkdown(user.handle) },
    });
    await chat.doSend(actor, { conversationId: conversation.id, clientId: `welcome-${spaceId}-${userId}`, bodyMarkdown: text });
  }

  return {
    /** A member accepted the guidelines for the first time: they are in. */
    greetNewcomer,

    /** The bot's account (made on first need), and the managers who answer newcomers: for the help requests. */
    botUser,
    botActor,
    currentSettings,
    managersOf,

    /** A member became an active member of a space. */
    greetInSpace,

    async accessSettings(actor: Actor) {
      checkAdmin(actor);
      return settingsView(await currentSettings());
    },

    async doUpdateSettings(actor: Actor, patch: z.output<typeof updateWelcomeSettingsSchema>) {
      checkAdmin(actor);
      if (patch.welcomeSpaceId && !(await spaceExists(patch.welcomeSpaceId))) throw AppError.notFound('No such space');
      const { managerHandles, ...rest } = patch;
      let managerIds: string[] | undefined;
      if (managerHandles) {
        const handles = [...new Set(managerHandles)];
        const found = handles.length
          ? await db
              .select({ id: users.id, handle: users.handle })
              .from(users)
              .where(and(inArray(users.handle, handles), eq(users.status, 'active'), eq(users.isBot, false)))
          : [];
        const missing = handles.filter((h) => !found.some((u) => u.handle === h));
        if (missing.length) {
          throw new AppError('validation_failed', problem('No member with the handle {{handles}}', { handles: missing.map((h) => `@${h}`).join(', ') }), {
            errors: [{ path: 'managerHandles', message: `no active member @${missing[0]}` }],
          });
        }
        managerIds = handles.map((h) => found.find((u) => u.handle === h)!.id);
      }
      await deps.settings.update(db, { ...rest, ...(managerIds ? { managerIds } : {}) });
      return settingsView(await currentSettings());
    },

    /** Whom any member may ask for help (the report dialog names them when no safeguarding contact is set). */
    async accessManagers() {
      const managers = await managersOf(await currentSettings());
      return { items: managers.map((m) => ({ id: m.id, handle: m.handle, displayName: m.displayName })) };
    },

    async accessOutbox(actor: Actor) {
      checkAdmin(actor);
      return { items: await mail.list(), transport: mail.transport };
    },

    async doRetryEmail(actor: Actor, emailId: string) {
      checkAdmin(actor);
      return mail.retry(emailId);
    },
  };
}

export type WelcomeService = ReturnType<typeof createWelcomeService>;
