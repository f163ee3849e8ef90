// Email is one kind of durable job: queuing a mail writes its row and its `email.send` job in the
// caller's transaction (it never waits for a mail server); the job queue sends it, retries with
// back-off, and after the last attempt the row is marked failed for admins to see and retry.
// A permanent refusal (an SMTP 5xx) is not retried: the row fails at once and the address is
// marked as bouncing (decision 022), so no notification mail goes to it until it is confirmed again.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { emails, users } from '../db/schema';
import { AppError } from '../errors';
import type { Jobs } from '../jobs/jobs';
import type { MailAttachment, Mailer } from './mailer';

export const MAX_ATTEMPTS = 5;
const SEND_JOB = 'email.send';

type EmailRow = typeof emails.$inferSelect;

export interface NewEmail {
  kind: string;
  userId: string | null;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  headers?: Record<string, string>;
  /**
   * Attachments by reference (e.g. `{ kind: 'event-ics', ref: { eventId, occurrence } }`): the
   * feature that registered the kind makes the file when the mail is sent, for its recipient, so
   * the row stores no bytes and the file says what is true at sending time.
   */
  attachments?: { kind: string; ref: Record<string, unknown> }[];
}

/** Makes an attachment of a registered kind for the mail's recipient; null: nothing to attach any more (the event is gone). */
export type AttachmentMaker = (ref: Record<string, unknown>, mail: { userId: string | null }) => Promise<MailAttachment | null>;

/** The SMTP reply code of a refusal nodemailer reports (e.g. 550), when there is one. */
function smtpCodeOf(error: unknown): number | undefined {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' ? code : undefined;
}

/** A 5xx reply: the server refuses for good (no such mailbox, policy); retrying changes nothing. */
export const isPermanentRejection = (error: unknown): boolean => {
  const code = smtpCodeOf(error);
  return code !== undefined && code >= 500 && code < 600;
};

export function toOutboxEmail(row: EmailRow) {
  return {
    id: row.id,
    to: row.toAddress,
    subject: row.subject,
    kind: row.kind,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
    nextAttemptAt: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
  };
}

export function createOutboxMail(deps: { db: Db; jobs: Jobs; mailer: Mailer }) {
  const { db, jobs, mailer } = deps;
  const makers = new Map<string, AttachmentMaker>();

  async function attachmentsOf(row: EmailRow): Promise<MailAttachment[]> {
    const made: MailAttachment[] = [];
    for (const { kind, ref } of row.attachments) {
      const make = makers.get(kind);
      // A kind no module registers is a bug: fail (and retry) rather than send a mail without its file.
      if (!make) throw new Error(`no attachment maker for "${kind}"`);
      const file = await make(ref, { userId: row.userId });
      if (file) made.push(file);
    }
    return made;
  }

  jobs.define<{ emailId: string }>(SEND_JOB, {
    maxAttempts: MAX_ATTEMPTS,
    async run({ emailId }, context) {
      const [row] = await db.update(emails).set({ attempts: context.attempt }).where(eq(emails.id, emailId)).returning();
      // Sent already (a lease ran out after the send), or gone with its member: nothing to do.
      if (!row || row.status === 'sent') return;
      try {
        const attachments = row.attachments.length ? await attachmentsOf(row) : undefined;
        await mailer.send({ id: row.id, to: row.toAddress, subject: row.subject, text: row.textBody, html: row.htmlBody, headers: row.headers, attachments });
      } catch (error) {
        if (!isPermanentRejection(error)) throw error;
        const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
        await db.update(emails).set({ status: 'failed', lastError: message, nextAttemptAt: null }).where(eq(emails.id, emailId));
        // Only while it is still the member's address: a new one starts clean.
        if (row.userId) {
          await db
            .update(users)
            .set({ emailBouncedAt: new Date(), emailBounceReason: message })
            .where(and(eq(users.id, row.userId), eq(users.email, row.toAddress)));
        }
        return;
      }
      await db.update(emails).set({ status: 'sent', sentAt: new Date(), lastError: null, nextAttemptAt: null }).where(eq(emails.id, emailId));
    },
    async onFailure({ emailId }, error, { retryAt }) {
      const message = error instanceof Error ? error.message : String(error);
      await db
        .update(emails)
        .set({ lastError: message.slice(0, 500), status: retryAt ? 'pending' : 'failed', nextAttemptAt: retryAt })
        .where(eq(emails.id, emailId));
    },
  });

  return {
    transport: mailer.transport,
    /** A feature's attachment kind (the calendar's `event-ics`), made when a mail that refers to it is sent. */
    registerAttachment(kind: string, make: AttachmentMaker): void {
      if (makers.has(kind)) throw new Error(`attachment kind ${kind} is registered twice`);
      makers.set(kind, make);
    },
    /** Queues an email in the caller's transaction (`tx`); it is sent once that commits. */
    async enqueue(tx: Db, email: NewEmail): Promise<void> {
      const [row] = await tx
        .insert(emails)
        .values({
          kind: email.kind,
          userId: email.userId,
          toAddress: email.to,
          subject: email.subject,
          textBody: email.text,
          htmlBody: email.html ?? null,
          headers: email.headers ?? {},
          attachments: email.attachments ?? [],
        })
        .returning({ id: emails.id });
      await jobs.enqueue(tx, { kind: SEND_JOB, payload: { emailId: row!.id } });
    },
    async list() {
      const rows = await db.select().from(emails).orderBy(desc(emails.createdAt)).limit(100);
      return rows.map(toOutboxEmail);
    },
    async retry(emailId: string) {
      const row = await db.transaction(async (txRaw) => {
        const tx = txRaw as unknown as Db;
        const [updated] = await tx
          .update(emails)
          .set({ status: 'pending', nextAttemptAt: new Date(), attempts: 0 })
          .where(sql`${emails.id} = ${emailId} and ${emails.status} <> 'sent'`)
          .returning();
        if (!updated) throw AppError.notFound('No such email waiting or failed');
        await jobs.enqueue(tx, { kind: SEND_JOB, payload: { emailId } });
        return updated;
      });
      jobs.kick();
      return toOutboxEmail(row);
    },
    close(): void {
      mailer.close();
    },
  };
}

export type OutboxMail = ReturnType<typeof createOutboxMail>;
