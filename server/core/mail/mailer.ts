// Outgoing email through nodemailer: SMTP when SMTP_URL is set, else each message is written as an
// .eml file under DATA_DIR/outbox (and logged), so nothing is silently dropped on a small install.
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../logger';

export interface OutgoingEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  /** An HTML alternative (multipart/alternative with the text). */
  html?: string | null;
  /** Extra headers (List-Unsubscribe, List-Unsubscribe-Post). */
  headers?: Record<string, string>;
  /** Files attached (an event's .ics), made at send time. */
  attachments?: MailAttachment[];
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

/** What nodemailer is given for one email. */
function messageOf(from: string, email: OutgoingEmail) {
  return {
    from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    ...(email.html ? { html: email.html } : {}),
    headers: email.headers ?? {},
    ...(email.attachments?.length ? { attachments: email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })) } : {}),
    messageId: `<${email.id}@hearth>`,
  };
}

export interface Mailer {
  transport: 'smtp' | 'files';
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/** The SMTP URL with `pool=true` and three connections unless it says otherwise. */
export function pooled(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  if (url.searchParams.get('pool') === 'true' && !url.searchParams.has('maxConnections')) url.searchParams.set('maxConnections', '3');
  return url.toString();
}

export function createMailer(options: { smtpUrl: string | undefined; from: string; outboxDir: string; logger: Logger }): Mailer {
  const { from, logger } = options;
  if (options.smtpUrl) {
    // A few pooled connections kept open: one connection per mail spent most of each send on the
    // SMTP greeting (7 mails/s, scripts/bench/notification-mail.ts). The URL may set its own.
    const transport = nodemailer.createTransport(pooled(options.smtpUrl));
    return {
      transport: 'smtp',
      async send(email) {
        await transport.sendMail(messageOf(from, email));
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    transport: 'files',
    async send(email) {
      const info = await transport.sendMail(messageOf(from, email));
      await fs.mkdir(options.outboxDir, { recursive: true });
      const file = path.join(options.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${email.id}.eml`);
      await fs.writeFile(file, info.message as Buffer);
      logger.info({ file, to: email.to, subject: email.subject }, 'email written to the outbox folder (SMTP_URL is not set)');
    },
    close: () => transport.close(),
  };
}
