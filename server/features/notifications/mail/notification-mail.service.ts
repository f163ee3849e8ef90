// Notification email: docs/decisions/022-notification-email.md
//
// A notification made for a member who wants its kind by immediate mail (and whose address is
// confirmed and not bouncing) is marked 'due' in the job that made it. A minutely run sends each
// member one mail of what is still unread after the admins' delay, outside their quiet hours; a
// run every quarter hour sends the daily or weekly digests. Texts are built through the centre's
// own view (accessOne), so a mail never says anything of content its member may no longer read.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Config } from '../../../config';
import type { ContentRegistry } from '../../../core/content/content-registry';
import type { Db } from '../../../core/db/database';
import { blocks, comments, notificationDigests, notifications, posts, reactions, settings, spaceMembers, users } from '../../../core/db/schema';
import { AppError } from '../../../core/errors';
import type { Work } from '../../../core/events/unit-of-work';
import { translator, type Languages, type Translate } from '../../../core/i18n/i18n';
import type { OutboxMail } from '../../../core/mail/outbox';
import { rtlLocales } from '../../../../shared/i18n/locales';
import type { NotificationView } from '../../../../shared/api/notifications.routes';
import { loadActor, type Actor } from '../../accounts/actor';
import { readSiteRow } from '../../site/site.public';
import type { NotificationKindRegistry } from '../notification-kinds';
import { isQuiet, type NotificationPreferences } from '../notification-preferences';
import type { NotificationsService } from '../notifications.service';
import { footerText, lineOf, renderMail, scopeName, type MailLine, type MailSection, type RenderedMail } from './notification-mail.templates';
import type { UnsubscribeTokens } from './unsubscribe-token';

/** Members mailed per run of the immediate job (the next run, a minute later, takes the rest). */
const MEMBERS_PER_RUN = 5_000;
/** Popular posts in a digest. */
const POPULAR_POSTS = 3;
const DAY_MS = 86_400_000;

type Row = typeof notifications.$inferSelect;

/** An address notification mail may go to: there, confirmed, not bouncing, of an active human member. */
const mailable = sql`(${users.email} is not null and ${users.emailVerifiedAt} is not null and ${users.emailBouncedAt} is null
  and ${users.status} = 'active' and not ${users.isBot})`;

export function createNotificationMail(deps: {
  db: Db;
  work: Work;
  mail: OutboxMail;
  languages: Languages;
  config: Pick<Config, 'publicUrl' | 'siteName'>;
  notifications: NotificationsService;
  kinds: NotificationKindRegistry;
  preferences: NotificationPreferences;
  content: ContentRegistry<Actor>;
  tokens: UnsubscribeTokens;
}) {
  const { db, work, mail, languages, config, notifications: centre, kinds, preferences, content, tokens } = deps;

  const siteName = async () => (await readSiteRow(db)).name ?? config.siteName;
  const unsubscribeApi = (token: string) => `${config.publicUrl}/api/v1/notifications/unsubscribe?token=${encodeURIComponent(token)}`;
  const unsubscribePage = (token: string) => `${config.publicUrl}/unsubscribe?token=${encodeURIComponent(token)}`;
  // Settings → Notifications (the preferences page lives in Settings).
  const preferencesUrl = `${config.publicUrl}/settings#notifications`;

  /** The headers and footer links of a mail that stops `scopes` (the header's one-click stops `headerScope`). */
  function unsubscribing(t: Translate, userId: string, scopes: string[], headerScope: string) {
    const headerToken = tokens.sign({ userId, scope: headerScope });
    return {
      headers: { 'List-Unsubscribe': `<${unsubscribeApi(headerToken)}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      footer: {
        unsubscribe: scopes.map((scope) => ({
          label: t('notify:notificationMail.footer.unsubscribe', { what: scopeName(t, scope) }),
          url: unsubscribePage(tokens.sign({ userId, scope })),
        })),
        preferencesUrl,
      },
    };
  }

  /** The member's views of rows they may still read; gone ones are left out (nothing of them is mailed). */
  async function readable(actor: Actor, rows: Row[]): Promise<{ row: Row; view: NotificationView }[]> {
    const out: { row: Row; view: NotificationView }[] = [];
    for (const row of rows) {
      const view = await centre.accessOne(actor, row.id);
      const gone = (row.spaceId !== null && !view.space) || (view.subject !== null && !view.subject.available);
      if (!gone) out.push({ row, view });
    }
    return out;
  }

  async function enqueueMail(tx: Db, user: { id: string; email: string }, kind: string, rendered: RenderedMail, headers: Record<string, string>) {
    await mail.enqueue(tx, { kind, userId: user.id, to: user.email, subject: rendered.subject, text: rendered.text, html: rendered.html, headers });
  }

  /** Marks due, in one statement, what the made batch should mail at once. */
  async function doMarkDue(kind: string, notificationIds: string[]): Promise<void> {
    if (notificationIds.length === 0) return;
    const emailMode = await preferences.channelSql(kind, 'email', sql`n.user_id`);
    await db.execute(sql`update ${notifications} n set email_state = 'due'
      from ${users}
      where n.id in (select jsonb_array_elements_text(${JSON.stringify(notificationIds)}::jsonb)::uuid)
        and ${users.id} = n.user_id and n.email_state = 'none' and n.read_at is null
        and ${mailable} and ${emailMode} = 'immediate'`);
  }

  /** One member's immediate mail of their due notifications made before `cutoff`; false when nothing went. */
  async function mailMember(userId: string, at: Date, cutoff: Date): Promise<boolean> {
    const [user] = await db.select().from(users).where(and(eq(users.id, userId), mailable));
    const due = await db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, userId), eq(notifications.emailState, 'due'), isNull(notifications.readAt), sql`${notifications.createdAt} <= ${cutoff.toISOString()}`));
    if (due.length === 0) return false;
    const skip = async (ids: string[]) => {
      if (ids.length) await db.update(notifications).set({ emailState: 'skipped' }).where(and(inArray(notifications.id, ids), eq(notifications.emailState, 'due')));
    };
    if (!user?.email) {
      await skip(due.map((row) => row.id));
      return false;
    }
    const prefs = await preferences.effective(userId);
    // Quiet hours: they wait for the next run outside them; nothing is dropped.
    if (isQuiet(prefs.quietHours, at)) return false;
    const wanted = due.filter((row) => prefs.channels[row.kind]?.email === 'immediate');
    const actor = await loadActor(db, userId, 'notification-mail');
    const items = actor ? await readable(actor, wanted) : [];
    await skip(due.filter((row) => !items.some((item) => item.row.id === row.id)).map((row) => row.id));
    if (items.length === 0) return false;

    const locale = await languages.of(userId);
    const t = translator(locale);
    const site = await siteName();
    return work.transaction(async ({ tx }) => {
      // Read or mailed since the select: only what is still due goes.
      const taken = await tx
        .update(notifications)
        .set({ emailState: 'sent' })
        .where(and(inArray(notifications.id, items.map((item) => item.row.id)), eq(notifications.emailState, 'due'), isNull(notifications.readAt)))
        .returning({ id: notifications.id });
      const ids = new Set(taken.map((row) => row.id));
      const lines = items.filter((item) => ids.has(item.row.id));
      if (lines.length === 0) return false;
      const mailLines = lines.map(({ view }) => lineOf(t, view, site, config.publicUrl));
      const scopes = [...new Set(lines.map(({ row }) => row.kind))];
      const { headers, footer } = unsubscribing(t, userId, scopes, scopes.length === 1 ? scopes[0]! : 'all');
      const rendered = renderMail({
        t,
        rtl: rtlLocales.has(locale),
        site,
        subject: mailLines.length === 1 ? mailLines[0]!.text : t('notify:notificationMail.subject', { count: mailLines.length, site }),
        intro: t('notify:notificationMail.intro', { name: user.displayName, site }),
        sections: [{ heading: '', threads: [{ lines: mailLines }] }],
        footer,
      });
      await enqueueMail(tx, { id: userId, email: user.email! }, 'notification', rendered, headers);
      return true;
    });
  }

  /** Posts of the member's spaces since `since` with the most reactions and comments, that they may read. */
  async function popularPosts(actor: Actor, since: Date, at: Date, t: Translate): Promise<MailLine[]> {
    // Qualified by hand: in a select list Drizzle names a column of the only table without it.
    const postId = sql`${sql.identifier('posts')}.${sql.identifier('id')}`;
    const score = sql<number>`((select count(*) from ${reactions} r where r.target_id = ${postId})
      + (select count(*) from ${comments} c where c.post_id = ${postId} and c.deleted_at is null and c.hidden_at is null))::int`.mapWith(Number);
    const rows = await db
      .select({ id: posts.id, score })
      .from(posts)
      .where(
        and(
          sql`${posts.spaceId} in (select ${spaceMembers.spaceId} from ${spaceMembers} where ${spaceMembers.userId} = ${actor.user.id} and ${spaceMembers.status} = 'active')`,
          sql`${posts.createdAt} > ${since.toISOString()} and ${posts.createdAt} <= ${at.toISOString()}`,
          isNull(posts.deletedAt),
          isNull(posts.hiddenAt),
          sql`not exists (select 1 from ${blocks} where ${blocks.blockerId} = ${actor.user.id} and ${blocks.blockedId} = ${posts.authorId})`,
          sql`${score} > 0`,
        ),
      )
      .orderBy(sql`${score} desc`, sql`${posts.createdAt} desc`)
      .limit(POPULAR_POSTS * 2);
    const lines: MailLine[] = [];
    for (const row of rows) {
      if (lines.length >= POPULAR_POSTS) break;
      try {
        const found = await content.get('post').accessForReader(actor, row.id);
        lines.push({ text: t('notify:notificationMail.digest.score', { count: row.score }), excerpt: found.excerpt, link: found.link ? `${config.publicUrl}${found.link}` : null });
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'not_found') throw error;
      }
    }
    return lines;
  }

  /** Groups lines by space, then by thread (what they link to), in the order they came. */
  function grouped(t: Translate, items: { view: NotificationView; line: MailLine }[]): MailSection[] {
    const sections = new Map<string, { heading: string; threads: Map<string, MailLine[]> }>();
    for (const { view, line } of items) {
      const spaceKey = view.space?.id ?? '';
      let section = sections.get(spaceKey);
      if (!section) sections.set(spaceKey, (section = { heading: view.space?.name ?? t('notify:notificationMail.digest.elsewhere'), threads: new Map() }));
      const threadKey = view.subject?.link ?? view.id;
      section.threads.set(threadKey, [...(section.threads.get(threadKey) ?? []), line]);
    }
    return [...sections.values()].map((section) => ({ heading: section.heading, threads: [...section.threads.values()].map((lines) => ({ lines })) }));
  }

  /** One member's digest for the period ending at `at`; false when there was nothing to tell. */
  async function digestMember(userId: string, frequency: 'daily' | 'weekly', since: Date, at: Date): Promise<boolean> {
    const [user] = await db.select().from(users).where(and(eq(users.id, userId), mailable));
    const actor = user?.email ? await loadActor(db, userId, 'notification-mail') : undefined;
    if (!user?.email || !actor) return false;
    const prefs = await preferences.effective(userId);
    const byDigest = kinds.all().filter((kind) => prefs.channels[kind.kind]?.email === 'digest').map((kind) => kind.kind);
    const immediate = kinds.all().filter((kind) => prefs.channels[kind.kind]?.email === 'immediate').map((kind) => kind.kind);
    const inKinds = (list: string[]) => (list.length ? inArray(notifications.kind, list) : sql`false`);
    const rows = await db
      .select()
      .from(notifications)
      .where(
        and(
          eq(notifications.userId, userId),
          isNull(notifications.readAt),
          isNull(notifications.digestedAt),
          sql`${notifications.createdAt} <= ${at.toISOString()}`,
          sql`(${inKinds(byDigest)} or (${inKinds(immediate)} and ${notifications.emailState} <> 'sent'))`,
        ),
      )
      .orderBy(notifications.createdAt);
    const locale = await languages.of(userId);
    const t = translator(locale);
    const site = await siteName();
    const items = (await readable(actor, rows)).map(({ view }) => ({ view, line: lineOf(t, view, site, config.publicUrl) }));
    const popular = await popularPosts(actor, since, at, t);

    return work.transaction(async ({ tx }) => {
      await tx
        .insert(notificationDigests)
        .values({ userId, lastSentAt: at })
        .onConflictDoUpdate({ target: notificationDigests.userId, set: { lastSentAt: at } });
      if (rows.length) {
        // Taken (gone ones too, so they do not wait for the next digest); what was due is no longer mailed alone.
        await tx
          .update(notifications)
          .set({ digestedAt: at, emailState: sql`case when ${notifications.emailState} = 'due' then 'skipped' else ${notifications.emailState} end` })
          .where(and(inArray(notifications.id, rows.map((row) => row.id)), isNull(notifications.digestedAt)));
      }
      if (items.length === 0 && popular.length === 0) return false;
      const { headers, footer } = unsubscribing(t, userId, ['digest'], 'digest');
      const rendered = renderMail({
        t,
        rtl: rtlLocales.has(locale),
        site,
        subject: t(`notify:notificationMail.digest.subject.${frequency}`, { site }),
        intro: t('notify:notificationMail.digest.intro', { name: user.displayName, site, count: items.length }),
        sections: grouped(t, items),
        popular: { heading: t('notify:notificationMail.digest.popular'), lines: popular },
        footer,
      });
      await enqueueMail(tx, { id: userId, email: user.email! }, 'digest', rendered, headers);
      return true;
    });
  }

  const refused = () =>
    new AppError('not_found', 'This unsubscribe link is not valid; change what reaches you in your notification settings', {
      errors: [{ path: 'token', message: 'is not a link this server sent' }],
    });

  return {
    doMarkDue,

    /**
     * For a feature's own mail under a mail-only kind (the calendar's RSVP confirmation): null when
     * the member turned that kind's email off; else its one-click unsubscribe headers and the
     * plain-text footer (why it came, how to stop it, where to choose), in the member's words.
     */
    async kindMail(userId: string, kind: string, t: Translate): Promise<{ headers: Record<string, string>; footerText: string } | null> {
      if ((await preferences.effective(userId)).channels[kind]?.email === 'off') return null;
      const { headers, footer } = unsubscribing(t, userId, [kind], kind);
      return { headers, footerText: footerText(t, await siteName(), footer).join('\n') };
    },

    /**
     * Public, no sign-in, no confirmation (RFC 8058): turns off what a signed link names for the
     * member it names. Idempotent: a second click changes nothing and says the same.
     */
    async doUnsubscribe(token: string): Promise<{ scope: string; turnedOff: 'email' | 'digest' | 'all' }> {
      const claim = tokens.verify(token);
      if (!claim) throw refused();
      const { userId, scope } = claim;
      if (scope !== 'digest' && scope !== 'all' && !kinds.find(scope)) throw refused();
      const [user] = await db.select({ status: users.status }).from(users).where(eq(users.id, userId));
      if (!user || user.status === 'deleted') throw refused();
      const own = await preferences.member.get(userId);
      if (scope === 'digest') {
        await preferences.member.update(db, { digest: 'off' }, userId);
        return { scope, turnedOff: 'digest' };
      }
      const names = scope === 'all' ? kinds.all().map((kind) => kind.kind) : [scope];
      const channels = { ...own.channels, ...Object.fromEntries(names.map((name) => [name, { ...own.channels[name], email: 'off' as const }])) };
      await preferences.member.update(db, scope === 'all' ? { channels, digest: 'off' } : { channels }, userId);
      return { scope, turnedOff: scope === 'all' ? 'all' : 'email' };
    },

    /** Admins: the members whose address bounces, latest first. */
    async accessBounces(actor: Actor) {
      if (actor.user.role !== 'admin') throw new AppError('forbidden', 'Only admins can do this');
      const rows = await db
        .select()
        .from(users)
        .where(sql`${users.emailBouncedAt} is not null and ${users.email} is not null and ${users.status} <> 'deleted'`)
        .orderBy(sql`${users.emailBouncedAt} desc`)
        .limit(200);
      return {
        items: rows.map((row) => ({
          userId: row.id,
          handle: row.handle,
          displayName: row.displayName,
          email: row.email!,
          bouncedAt: row.emailBouncedAt!.toISOString(),
          reason: row.emailBounceReason,
        })),
      };
    },

    /** The minutely run: what was read in time is skipped; each member with due mail older than the delay gets one. */
    async doSendDue(at: Date): Promise<number> {
      await db.update(notifications).set({ emailState: 'skipped' }).where(and(eq(notifications.emailState, 'due'), sql`${notifications.readAt} is not null`));
      const { emailDelayMinutes } = await preferences.site.get();
      const cutoff = new Date(at.getTime() - emailDelayMinutes * 60_000);
      const members = await db
        .selectDistinct({ userId: notifications.userId })
        .from(notifications)
        .where(and(eq(notifications.emailState, 'due'), isNull(notifications.readAt), sql`${notifications.createdAt} <= ${cutoff.toISOString()}`))
        .limit(MEMBERS_PER_RUN);
      let sent = 0;
      for (const { userId } of members) if (await mailMember(userId, at, cutoff)) sent += 1;
      return sent;
    },

    /** The digest run: each member whose daily or weekly period is over gets what collected (if anything did). */
    async doSendDigests(at: Date): Promise<number> {
      const { digest: siteDigest } = await preferences.site.get();
      const frequency = sql<string>`coalesce((select ${settings.value} ->> 'digest' from ${settings}
        where ${settings.scope} = 'member' and ${settings.scopeId} = ${users.id}::text and ${settings.key} = 'notifications'), ${siteDigest}::text)`;
      // A member who never had one counts from when they joined: the first digest is a whole period's.
      const result = await db.execute(sql`select u.id, u.frequency, coalesce(d.last_sent_at, u.created_at) as since from (
          select ${users.id} as id, ${users.createdAt} as created_at, ${frequency} as frequency from ${users} where ${mailable}) u
        left join ${notificationDigests} d on d.user_id = u.id
        where (u.frequency = 'daily' and coalesce(d.last_sent_at, u.created_at) <= ${new Date(at.getTime() - DAY_MS + 60_000).toISOString()})
           or (u.frequency = 'weekly' and coalesce(d.last_sent_at, u.created_at) <= ${new Date(at.getTime() - 7 * DAY_MS + 60_000).toISOString()})
        limit ${MEMBERS_PER_RUN}`);
      const due = (result as unknown as { rows: { id: string; frequency: 'daily' | 'weekly'; since: string | Date }[] }).rows;
      let sent = 0;
      for (const row of due) {
        if (await digestMember(row.id, row.frequency, new Date(row.since), at)) sent += 1;
      }
      return sent;
    },
  };
}

export type NotificationMail = ReturnType<typeof createNotificationMail>;
