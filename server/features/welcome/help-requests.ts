// Replies to the welcome bot reach the community managers: docs/decisions/019-help-requests-through-chat.md
//
// Nothing new is stored. A help request is what the chat already holds: the messages a member
// wrote in their direct conversation with the bot; it is answered once a manager (or an admin)
// wrote to that member in their own direct conversation after it. The inbox reads those rows;
// the bot's acknowledgement and the managers' emails follow the first message of each request.
import { and, asc, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { answerHelpRequestSchema, HelpRequest } from '../../../shared/api/welcome.routes';
import type { Config } from '../../config';
import type { Db } from '../../core/db/database';
import { conversationParticipants, conversations, messages, users } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import { translator, type Languages } from '../../core/i18n/i18n';
import type { OutboxMail } from '../../core/mail/outbox';
import type { UserRow } from '../accounts/accounts.dto';
import type { Actor } from '../accounts/actor';
import type { ChatService } from '../chat/chat.service';
import { readSiteRow } from '../site/site.public';
import { handleMarkdown } from './templates';
import type { WelcomeSettings } from './welcome.settings';

/** Messages of one request shown to the managers at most. */
const SHOWN_MESSAGES = 5;
/** Requests listed at most (the newest). */
const LISTED_REQUESTS = 50;

export function createHelpRequests(deps: {
  db: Db;
  config: Pick<Config, 'publicUrl' | 'siteName'>;
  chat: Pick<ChatService, 'doSend' | 'doOpenConversation'>;
  mail: OutboxMail;
  languages: Pick<Languages, 'of'>;
  welcome: {
    botUser(): Promise<UserRow>;
    botActor(): Promise<Actor>;
    currentSettings(): Promise<Readonly<WelcomeSettings>>;
    managersOf(settings: Readonly<WelcomeSettings>): Promise<UserRow[]>;
  };
}) {
  const { db, config, chat, mail, languages, welcome } = deps;

  /** The bot's direct conversation with one member (exactly the two of them), if there is one. */
  async function botConversationOf(botId: string, memberId: string): Promise<string | undefined> {
    const [row] = await db
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.kind, 'direct'), eq(conversations.participantKey, [botId, memberId].sort().join(','))));
    return row?.id;
  }

  /** Everyone who may read and answer help requests: the named managers and every active admin. */
  async function answererIds(settings: Readonly<WelcomeSettings>): Promise<string[]> {
    const admins = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.status, 'active')));
    return [...new Set([...settings.managerIds, ...admins.map((a) => a.id)])];
  }

  async function checkCanAnswer(actor: Actor): Promise<Readonly<WelcomeSettings>> {
    const settings = await welcome.currentSettings();
    if (actor.user.role !== 'admin' && !settings.managerIds.includes(actor.user.id)) {
      throw new AppError('forbidden', 'Only the community managers and the admins read help requests');
    }
    return settings;
  }

  /** The last message someone in `from` wrote to `memberId` in a two-person direct conversation. */
  async function lastAnswer(memberId: string, from: readonly string[]) {
    if (from.length === 0) return undefined;
    const [row] = await db
      .select({ authorId: messages.authorId, createdAt: messages.createdAt })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .innerJoin(conversationParticipants, and(eq(conversationParticipants.conversationId, conversations.id), eq(conversationParticipants.userId, memberId)))
      .where(
        and(
          eq(conversations.kind, 'direct'),
          inArray(messages.authorId, [...from]),
          sql`(select count(*) from ${conversationParticipants} cp where cp.conversation_id = ${conversations.id}) = 2`,
          isNull(messages.deletedAt),
        ),
      )
      .orderBy(desc(messages.createdAt))
      .limit(1);
    return row;
  }

  /** A member's messages to the bot (not deleted or hidden), newest first. */
  function messagesToBot(conversationId: string, memberId: string, after?: Date) {
    return db
      .select({ id: messages.id, bodyMarkdown: messages.bodyMarkdown, createdAt: messages.createdAt })
      .from(messages)
      .where(
        and(
          eq(messages.conversationId, conversationId),
          eq(messages.authorId, memberId),
          isNull(messages.deletedAt),
          isNull(messages.hiddenAt),
          after ? gt(messages.createdAt, after) : undefined,
        ),
      )
      .orderBy(desc(messages.createdAt))
      .limit(SHOWN_MESSAGES);
  }

  return {
    /**
     * A message was written (content.written, after commit): when it is a member's reply in their
     * direct conversation with the bot and opens a request (nothing of theirs was waiting for an
     * answer), the bot tells them who will answer and each manager gets an email in their language.
     */
    async noteMessage(written: { kind: string; id: string; authorId: string; change: string }): Promise<void> {
      if (written.kind !== 'message' || written.change !== 'created') return;
      const bot = await welcome.botUser();
      if (written.authorId === bot.id) return;
      const conversationId = await botConversationOf(bot.id, written.authorId);
      if (!conversationId) return;
      const [message] = await db
        .select({ id: messages.id, bodyMarkdown: messages.bodyMarkdown, createdAt: messages.createdAt })
        .from(messages)
        .where(and(eq(messages.id, written.id), eq(messages.conversationId, conversationId)));
      if (!message) return;
      const [member] = await db.select().from(users).where(eq(users.id, written.authorId));
      if (!member || member.isBot || member.status !== 'active') return;

      const settings = await welcome.currentSettings();
      const answered = await lastAnswer(member.id, await answererIds(settings));
      const [earlier] = await db
        .select({ id: messages.id })
        .from(messages)
        .where(
          and(
            eq(messages.conversationId, conversationId),
            eq(messages.authorId, member.id),
            sql`${messages.id} <> ${message.id}`,
            sql`${messages.createdAt} <= ${message.createdAt}`,
            answered ? gt(messages.createdAt, answered.createdAt) : undefined,
          ),
        )
        .limit(1);
      // The request was already open: the managers know, and the bot said so.
      if (earlier) return;

      const managers = await welcome.managersOf(settings);
      const t = translator(await languages.of(member.id));
      const who = managers.map((m) => `@${handleMarkdown(m.handle)}`).join(', ');
      await chat.doSend(await welcome.botActor(), {
        conversationId,
        clientId: `help-ack-${message.id}`,
        bodyMarkdown: who ? t('bot:helpAck.withManagers', { managers: who }) : t('bot:helpAck.noManagers'),
      });

      const site = await readSiteRow(db);
      const siteName = site.name ?? config.siteName;
      for (const manager of managers) {
        if (!manager.email) continue;
        const tm = translator(await languages.of(manager.id));
        const vars = { name: member.displayName, handle: member.handle, site: siteName, message: message.bodyMarkdown, url: `${config.publicUrl}/admin/help` };
        await mail.enqueue(db, { kind: 'help-request', userId: manager.id, to: manager.email, subject: tm('mail:helpRequest.subject', vars), text: tm('mail:helpRequest.body', vars) });
      }
    },

    /** The requests, open ones first: for the community managers and the admins. */
    async accessHelpRequests(actor: Actor): Promise<{ items: HelpRequest[] }> {
      const settings = await checkCanAnswer(actor);
      const bot = await welcome.botUser();
      const answerers = await answererIds(settings);
      const writers = await db
        .select({ conversationId: conversations.id, member: users, lastAt: sql<Date>`max(${messages.createdAt})`.mapWith((v: string | Date) => new Date(v)) })
        .from(conversations)
        .innerJoin(conversationParticipants, and(eq(conversationParticipants.conversationId, conversations.id), eq(conversationParticipants.userId, bot.id)))
        .innerJoin(messages, and(eq(messages.conversationId, conversations.id), sql`${messages.authorId} <> ${bot.id}`, isNull(messages.deletedAt), isNull(messages.hiddenAt)))
        .innerJoin(users, eq(users.id, messages.authorId))
        .where(and(eq(conversations.kind, 'direct'), sql`(select count(*) from ${conversationParticipants} cp where cp.conversation_id = ${conversations.id}) = 2`))
        .groupBy(conversations.id, users.id)
        .orderBy(desc(sql`max(${messages.createdAt})`))
        .limit(LISTED_REQUESTS);
      const items: HelpRequest[] = [];
      for (const w of writers) {
        const answer = await lastAnswer(w.member.id, answerers);
        const open = !answer || answer.createdAt < w.lastAt;
        const shown = (await messagesToBot(w.conversationId, w.member.id, open ? answer?.createdAt : undefined)).reverse();
        let answeredBy: HelpRequest['answeredBy'] = null;
        if (answer && !open) {
          const [by] = await db.select({ id: users.id, handle: users.handle, displayName: users.displayName }).from(users).where(eq(users.id, answer.authorId));
          answeredBy = by ?? null;
        }
        items.push({
          member: { id: w.member.id, handle: w.member.handle, displayName: w.member.displayName },
          messages: shown.map((m) => ({ id: m.id, bodyMarkdown: m.bodyMarkdown, createdAt: m.createdAt.toISOString() })),
          lastMessageAt: w.lastAt.toISOString(),
          status: open ? 'open' : 'answered',
          answeredBy,
          answeredAt: answer && !open ? answer.createdAt.toISOString() : null,
        });
      }
      items.sort((a, b) => (a.status === b.status ? 0 : a.status === 'open' ? -1 : 1));
      return { items };
    },

    /** A manager answers: a direct message from them to the member (blocks and limits apply as to any message). */
    async doAnswer(actor: Actor, memberId: string, input: z.output<typeof answerHelpRequestSchema>): Promise<{ conversationId: string }> {
      await checkCanAnswer(actor);
      const bot = await welcome.botUser();
      const [member] = await db.select().from(users).where(and(eq(users.id, memberId), eq(users.status, 'active'), eq(users.isBot, false)));
      const conversationId = member ? await botConversationOf(bot.id, member.id) : undefined;
      const [wrote] = conversationId
        ? await db
            .select({ id: messages.id })
            .from(messages)
            .where(and(eq(messages.conversationId, conversationId), eq(messages.authorId, memberId)))
            .orderBy(asc(messages.createdAt))
            .limit(1)
        : [];
      if (!member || !wrote) throw AppError.notFound('No such help request');
      const conversation = await chat.doOpenConversation(actor, { handles: [member.handle] });
      await chat.doSend(actor, { conversationId: conversation.id, clientId: input.clientId, bodyMarkdown: input.bodyMarkdown });
      return { conversationId: conversation.id };
    },
  };
}

export type HelpRequests = ReturnType<typeof createHelpRequests>;
