import { SMTPServer } from 'smtp-server';
import { freePort } from './server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as sent, quoted-printable soft breaks and escapes undone. */
  raw: string;
}

export interface TestSmtp {
  port: number;
  url: string;
  inbox: ReceivedMail[];
  /** The first mail to `address` (after `since` mails), waiting up to `ms`. */
  mailTo(address: string, options?: { since?: number; ms?: number }): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback (smtp-server) that keeps what it receives. `rejects`: addresses it
 * refuses for good at RCPT TO (550, as a mailbox that does not exist).
 */
export async function startSmtp(options: { rejects?: (address: string) => boolean } = {}): Promise<TestSmtp> {
  const port = await freePort();
  const inbox: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!options.rejects?.(address.address)) return callback();
      const refusal = Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), { responseCode: 550 });
      callback(refusal);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          // Bytes first, then UTF-8: a quoted-printable é is two escaped bytes of one character.
          raw: Buffer.from(
            Buffer.concat(chunks)
              .toString('latin1')
              .replace(/=\r?\n/g, '')
              .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    inbox,
    async mailTo(address, options = {}) {
      const deadline = Date.now() + (options.ms ?? 5_000);
      for (;;) {
        const found = inbox.slice(options.since ?? 0).find((mail) => mail.to.includes(address));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${address} within ${options.ms ?? 5_000} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

/** A raw message with its folded header lines joined back (RFC 5322 folding). */
export const unfolded = (raw: string) => raw.replace(/\r?\n[ \t]+/g, ' ');

/** The token of the first `<path>?token=` link in a raw message (a mail's unsubscribe links). */
export function tokenAfter(raw: string, path: string): string {
  const match = new RegExp(`${path.replace(/[?/]/g, '\\$&')}\\?token=([A-Za-z0-9_.%-]+)`).exec(unfolded(raw));
  if (!match) throw new Error(`no ${path} link in:\n${raw}`);
  return decodeURIComponent(match[1]!);
}
