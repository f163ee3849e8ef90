// The email queue: adding an email is one INSERT (it never waits for a mail server); a worker on
// each node sends what is due, claiming rows with SKIP LOCKED so two nodes never send one twice,
// and retries failures with back-off until MAX_ATTEMPTS, after which admins see it as failed.
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { emails } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { Mailer } from '../../core/mail/mailer';

export const MAX_ATTEMPTS = 5;
const BATCH = 10;
/** Back-off after the nth failed attempt: 30 s, 2 min, 8 min, 32 min. */
const backoffMs = (attempts: number) => 30_000 * 4 ** Math.max(0, attempts - 1);
/** A claimed email not finished within this long (a node died mid-send) is due again. */
const LEASE_MS = 5 * 60_000;

type EmailRow = typeof emails.$inferSelect;

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

export function createEmailOutbox(deps: { db: Db; mailer: Mailer; logger: Logger; pollMs?: number }) {
  const { db, mailer, logger } = deps;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  async function claimDue(): Promise<EmailRow[]> {
    const result = (await db.execute(sql`
      update ${emails} set attempts = attempts + 1, next_attempt_at = now() + ${`${LEASE_MS} milliseconds`}::interval
       where id in (select id from ${emails} where status = 'pending' and next_attempt_at <= now()
                     order by next_attempt_at limit ${BATCH} for update skip locked)
      returning id`)) as unknown as { rows: { id: string }[] };
    if (result.rows.length === 0) return [];
    return db.select().from(emails).where(sql`${emails.id} in ${result.rows.map((r) => r.id)}`);
  }

  async function deliver(row: EmailRow): Promise<void> {
    try {
      await mailer.send({ id: row.id, to: row.toAddress, subject: row.subject, text: row.textBody });
      await db.update(emails).set({ status: 'sent', sentAt: new Date(), lastError: null, nextAttemptAt: null }).where(eq(emails.id, row.id));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const failed = row.attempts >= MAX_ATTEMPTS;
      logger.warn({ emailId: row.id, attempts: row.attempts, err: error }, failed ? 'email failed for good' : 'email failed; will retry');
      await db
        .update(emails)
        .set({ lastError: message.slice(0, 500), status: failed ? 'failed' : 'pending', nextAttemptAt: failed ? null : new Date(Date.now() + backoffMs(row.attempts)) })
        .where(eq(emails.id, row.id));
    }
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      for (let batch = await claimDue(); batch.length > 0 && !closed; batch = await claimDue()) {
        for (const row of batch) await deliver(row);
      }
    } while (again && !closed);
  }

  /** Sends what is due now, in the background; a call while sending makes it look again afterwards. */
  function kick(): void {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => {
        if (!closed) logger.warn({ err: error }, 'email outbox run failed');
      })
      .finally(() => {
        running = undefined;
      });
  }

  const timer = setInterval(kick, deps.pollMs ?? 30_000);
  timer.unref();

  return {
    transport: mailer.transport,
    kick,
    /** Queues an email; it is sent in the background. */
    async enqueue(email: { kind: string; userId: string | null; to: string; subject: string; text: string }): Promise<void> {
      await db.insert(emails).values({ kind: email.kind, userId: email.userId, toAddress: email.to, subject: email.subject, textBody: email.text });
      kick();
    },
    async list() {
      const rows = await db.select().from(emails).orderBy(desc(emails.createdAt)).limit(100);
      return rows.map(toOutboxEmail);
    },
    async retry(emailId: string) {
      const [row] = await db
        .update(emails)
        .set({ status: 'pending', nextAttemptAt: new Date(), attempts: 0 })
        .where(sql`${emails.id} = ${emailId} and ${emails.status} <> 'sent'`)
        .returning();
      if (!row) throw AppError.notFound('No such email waiting or failed');
      kick();
      return toOutboxEmail(row);
    },
    /** Waits for the run in progress (tests; shutdown). */
    async idle(): Promise<void> {
      while (running) await running;
    },
    async close(): Promise<void> {
      closed = true;
      clearInterval(timer);
      await running;
      mailer.close();
    },
  };
}

export type EmailOutbox = ReturnType<typeof createEmailOutbox>;
