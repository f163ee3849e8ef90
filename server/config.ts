import path from 'node:path';
import { z } from 'zod';

/**
 * Hearth's whole configuration, parsed once from the environment at start-up.
 * Nothing else in the server reads `process.env`; every variable is documented in README.md.
 */
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const optionalUrl = (protocols: string[], what: string) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      }, `must be a ${what} URL (${protocols.join(' or ')})`)
      .optional(),
  );

const envSchema = z.object({
  NODE_ENV: z.preprocess(emptyAsUndefined, z.enum(['development', 'production', 'test']).default('development')),
  PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
  PUBLIC_URL: optionalUrl(['http:', 'https:'], 'http(s)'),
  SITE_NAME: z.preprocess(emptyAsUndefined, z.string().trim().min(1).max(80).default('Hearth')),
  DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./data')),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:'], 'PostgreSQL'),
  DATABASE_POOL_SIZE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(200).default(10)),
  REDIS_URL: optionalUrl(['redis:', 'rediss:'], 'Redis'),
  SESSION_SECRET: z.preprocess(
    emptyAsUndefined,
    z.string().min(32, 'must be at least 32 characters (try: openssl rand -hex 32)').optional(),
  ),
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  METRICS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  TRUST_PROXY: z.preprocess(emptyAsUndefined, z.string().default('loopback')),
  OIDC_ISSUER: optionalUrl(['http:', 'https:'], 'http(s)'),
  OIDC_CLIENT_ID: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
  OIDC_CLIENT_SECRET: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
  OIDC_SCOPES: z.preprocess(emptyAsUndefined, z.string().default('openid profile email')),
  OIDC_BUTTON_LABEL: z.preprocess(emptyAsUndefined, z.string().max(60).default('Sign in with your organisation')),
  ADMIN_EMAILS: z.preprocess(emptyAsUndefined, z.string().default('')),
  SESSION_MAX_AGE_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(365).default(30)),
  SIGNUP_LIMIT_PER_HOUR: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(20)),
  SIGNIN_FAILURE_LIMIT_PER_HOUR: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(30)),
  CHAT_MESSAGES_PER_SECOND: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1000).default(5)),
  CHAT_BURST: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(10_000).default(5)),
  /** Per-member write limits (issue #12): generous for people, a wall for scripts. */
  POSTS_PER_MINUTE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100_000).default(120)),
  COMMENTS_PER_MINUTE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100_000).default(120)),
  REACTIONS_PER_MINUTE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100_000).default(120)),
  EDITS_PER_MINUTE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100_000).default(120)),
  REPORTS_PER_HOUR: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100_000).default(20)),
  RESUME_EVENTS_PER_COMMAND: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100_000).default(1000)),
  SMTP_URL: optionalUrl(['smtp:', 'smtps:'], 'smtp(s)'),
  MAIL_FROM: z.preprocess(emptyAsUndefined, z.string().trim().max(200).optional()),
  EVENT_LOG_RETENTION_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(3650).default(30)),
  SHUTDOWN_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(120_000).default(10_000)),
  /** How often each node's job worker looks for due jobs written by other nodes (its own run at once). */
  JOB_POLL_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(50).max(600_000).default(5_000)),
  /** `off`: this node writes jobs but runs none in the background (a web-only node; another node's worker runs them). */
  JOB_WORKER: z.preprocess(emptyAsUndefined, z.enum(['on', 'off']).default('on')),
  CHECK_CONTRACTS: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).optional()),
  /** Web push (decision 023): the VAPID key pair, both or neither (else one is made and kept in the database). */
  VAPID_PUBLIC_KEY: z.preprocess(emptyAsUndefined, z.string().regex(/^[A-Za-z0-9_-]{87}$/, 'must be a URL-safe base64 P-256 public key (npx web-push generate-vapid-keys)').optional()),
  VAPID_PRIVATE_KEY: z.preprocess(emptyAsUndefined, z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a URL-safe base64 P-256 private key (npx web-push generate-vapid-keys)').optional()),
  /** Who push services may contact about this server: a mailto: or https: URL. */
  VAPID_SUBJECT: z.preprocess(emptyAsUndefined, z.string().regex(/^(mailto:|https:\/\/)\S+$/, 'must be a mailto: or https: URL').optional()),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** The origin users open in their browser; sockets from any other Origin are refused. */
  publicUrl: string;
  publicOrigin: string;
  /**
   * Origins whose requests and sockets are this site's: the public origin, and in development
   * (NODE_ENV other than production) its other loopback names on the same port, so
   * http://127.0.0.1:3000 works when PUBLIC_URL says http://localhost:3000.
   */
  allowedOrigins: ReadonlySet<string>;
  siteName: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  redisUrl: string | undefined;
  sessionSecret: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  metricsToken: string | undefined;
  /** Express `trust proxy` setting: `loopback`, a hop count, `true`, or a list of addresses. */
  trustProxy: boolean | number | string;
  shutdownTimeoutMs: number;
  /** Single sign-on, when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are all set. */
  oidc: { issuer: string; clientId: string; clientSecret: string; scopes: string[]; buttonLabel: string } | undefined;
  /** Accounts with these (verified) emails become admins when they are created. */
  adminEmails: string[];
  sessionMaxAgeMs: number;
  /** Sign-ups accepted from one address per hour, and failed sign-ins from one address per hour. */
  /** Outgoing email: over SMTP when set, else written as .eml files under DATA_DIR/outbox. */
  mail: { smtpUrl: string | undefined; from: string };
  /** How long replayable events are kept (a client away longer reloads instead of replaying). */
  eventLogRetentionMs: number;
  /** Job worker poll (and, ×3, the scheduler's tick). */
  jobPollMs: number;
  /** Whether this node runs background jobs and schedules. */
  jobWorker: boolean;
  limits: {
    signUpsPerAddressPerHour: number;
    signInFailuresPerAddressPerHour: number;
    /** Chat messages a member may send per second, plus `chatBurst` more over any 10 s. */
    chatMessagesPerSecond: number;
    chatBurst: number;
    /** Per member, shared by the nodes through Redis; the welcome bot is exempt. Chat's reactions and edits have limits of these sizes of their own. */
    postsPerMinute: number;
    commentsPerMinute: number;
    reactionsPerMinute: number;
    editsPerMinute: number;
    reportsPerHour: number;
    /** Events one `stream:resume` or `chat:resume` answers at most; the spaces or conversations beyond it are told to reset. */
    resumeEventsPerCommand: number;
  };
  /**
   * Web push (decision 023): the VAPID keys when VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set
   * (else the first node makes a pair and keeps it in the database), and the contact push services see.
   */
  push: { vapidKeys: { publicKey: string; privateKey: string } | undefined; subject: string };
  /** Folder of the built client; the server serves it when it exists. */
  clientDist: string;
  /**
   * Hold every REST answer and every published event to its shared schema, failing loudly on a
   * mismatch (CHECK_CONTRACTS; on unless NODE_ENV=production, where it would cost a parse per send).
   */
  checkContracts: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Hearth cannot start, its configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The folder holding package.json, whether we run from sources or from `dist/`. */
export function appRoot(): string {
  // server/config.ts and dist/server/config.js are both one or two levels below the root.
  const fromHere = path.resolve(__dirname, '..');
  return path.basename(fromHere) === 'dist' ? path.resolve(fromHere, '..') : fromHere;
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Parses the environment; throws a ConfigError listing every problem at once. */
export function loadConfig(env: Env, overrides: Partial<Config> = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT === 0 ? 3000 : e.PORT}`).replace(/\/+$/, '');
  const problems: string[] = [];
  if (e.NODE_ENV === 'production' && e.DATABASE_URL && !e.SESSION_SECRET) {
    problems.push('SESSION_SECRET: required in production on PostgreSQL, so that every node signs sessions alike');
  }
  const oidcParts = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET];
  if (oidcParts.some(Boolean) && !oidcParts.every(Boolean)) {
    problems.push('OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET: set all three for single sign-on, or none');
  }
  if (Boolean(e.VAPID_PUBLIC_KEY) !== Boolean(e.VAPID_PRIVATE_KEY)) {
    problems.push('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: set both for web push, or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const mailFrom = e.MAIL_FROM ?? `"${e.SITE_NAME.replace(/["\\]/g, '')}" <no-reply@${new URL(publicUrl).hostname}>`;
  const config: Config = {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    publicOrigin: new URL(publicUrl).origin,
    allowedOrigins: new Set(),
    siteName: e.SITE_NAME,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    sessionSecret: e.SESSION_SECRET,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    oidc:
      e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
        ? {
            issuer: e.OIDC_ISSUER,
            clientId: e.OIDC_CLIENT_ID,
            clientSecret: e.OIDC_CLIENT_SECRET,
            scopes: e.OIDC_SCOPES.split(/[\s,]+/).filter(Boolean),
            buttonLabel: e.OIDC_BUTTON_LABEL,
          }
        : undefined,
    adminEmails: e.ADMIN_EMAILS.split(',')
      .map((email) => email.trim().toLowerCase())
      .filter(Boolean),
    sessionMaxAgeMs: e.SESSION_MAX_AGE_DAYS * 24 * 60 * 60 * 1000,
    mail: {
      smtpUrl: e.SMTP_URL,
      from: mailFrom,
    },
    eventLogRetentionMs: e.EVENT_LOG_RETENTION_DAYS * 24 * 60 * 60 * 1000,
    jobPollMs: e.JOB_POLL_MS,
    jobWorker: e.JOB_WORKER === 'on',
    limits: {
      signUpsPerAddressPerHour: e.SIGNUP_LIMIT_PER_HOUR,
      signInFailuresPerAddressPerHour: e.SIGNIN_FAILURE_LIMIT_PER_HOUR,
      chatMessagesPerSecond: e.CHAT_MESSAGES_PER_SECOND,
      chatBurst: e.CHAT_BURST,
      postsPerMinute: e.POSTS_PER_MINUTE,
      commentsPerMinute: e.COMMENTS_PER_MINUTE,
      reactionsPerMinute: e.REACTIONS_PER_MINUTE,
      editsPerMinute: e.EDITS_PER_MINUTE,
      reportsPerHour: e.REPORTS_PER_HOUR,
      resumeEventsPerCommand: e.RESUME_EVENTS_PER_COMMAND,
    },
    push: {
      vapidKeys: e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY ? { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY } : undefined,
      subject: e.VAPID_SUBJECT ?? vapidSubjectOf(publicUrl, mailFrom),
    },
    clientDist: path.join(appRoot(), 'client', 'dist'),
    checkContracts: e.CHECK_CONTRACTS ? e.CHECK_CONTRACTS === 'true' : e.NODE_ENV !== 'production',
    ...overrides,
  };
  config.publicOrigin = new URL(config.publicUrl).origin;
  if (!overrides.allowedOrigins) config.allowedOrigins = allowedOriginsOf(config.publicUrl, config.env);
  return config;
}

/**
 * Whom push services may contact: the site when it is served over https, else the mail sender.
 * @example vapidSubjectOf('http://localhost:3000', '"Hearth" <no-reply@localhost>') // → 'mailto:no-reply@localhost'
 */
export function vapidSubjectOf(publicUrl: string, mailFrom: string): string {
  if (publicUrl.startsWith('https://')) return new URL(publicUrl).origin;
  const address = /<([^<>\s]+@[^<>\s]+)>/.exec(mailFrom)?.[1] ?? (/^\S+@\S+$/.test(mailFrom.trim()) ? mailFrom.trim() : undefined);
  return `mailto:${address ?? 'no-reply@localhost'}`;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The origins a browser may call this site from: the public one; in development also the other
 * loopback names of a loopback public URL, with the same scheme and port.
 * @example allowedOriginsOf('http://localhost:3000', 'development') // localhost, 127.0.0.1 and [::1] on :3000
 */
export function allowedOriginsOf(publicUrl: string, env: Config['env']): ReadonlySet<string> {
  const url = new URL(publicUrl);
  const origins = new Set([url.origin]);
  if (env !== 'production' && LOOPBACK_HOSTS.includes(url.hostname)) {
    for (const host of LOOPBACK_HOSTS) origins.add(`${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`);
  }
  return origins;
}
