import { sql } from 'drizzle-orm';
import {
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  // PGlite hands back a Uint8Array, node-postgres a Buffer; repositories always see a Buffer.
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Lower-cased; null for SSO accounts whose provider shares no email. Not unique across SSO accounts. */
    email: text('email'),
    /** When the current address was confirmed by a link sent to it; null: unverified, so no notification mail. */
    emailVerifiedAt: timestamptz('email_verified_at'),
    /**
     * When the mail server last refused the current address for good (an SMTP 5xx): no notification
     * mail goes to it until the member confirms it again (decision 022). Null: not known to bounce.
     */
    emailBouncedAt: timestamptz('email_bounced_at'),
    /** What the mail server said then, for the admins' Emails page. */
    emailBounceReason: text('email_bounce_reason'),
    handle: text('handle').notNull(),
    displayName: text('display_name').notNull(),
    /** argon2id; null for accounts that only sign in through the identity provider. */
    passwordHash: text('password_hash'),
    role: text('role', { enum: ['admin', 'moderator', 'member'] }).notNull().default('member'),
    status: text('status', { enum: ['active', 'pending', 'rejected', 'suspended', 'banned', 'deleted'] })
      .notNull()
      .default('active'),
    suspendedUntil: timestamptz('suspended_until'),
    isBot: boolean('is_bot').notNull().default(false),
    bio: text('bio').notNull().default(''),
    location: text('location').notNull().default(''),
    interests: text('interests').array().notNull().default(sql`'{}'::text[]`),
    /** An avatar URL given by the identity provider; an uploaded avatar takes precedence. */
    externalAvatarUrl: text('external_avatar_url'),
    avatarVersion: integer('avatar_version').notNull().default(0),
    acceptedGuidelinesVersion: integer('accepted_guidelines_version'),
    // Milliseconds, like a JS Date: the admin member list pages on (created_at, id) with a Date cursor.
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at'),
  },
  (t) => [
    uniqueIndex('users_handle_key').on(t.handle),
    // Local accounts sign in by email, so it must be unique among accounts with a password.
    uniqueIndex('users_local_email_key').on(t.email).where(sql`${t.passwordHash} is not null`),
    index('users_status_created_idx').on(t.status, t.createdAt),
  ],
);

/** An uploaded avatar, kept in the database so that every node can serve it. */
export const avatars = pgTable('avatars', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  contentType: text('content_type').notNull(),
  data: bytea('data').notNull(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

/** A sign-in through an OpenID provider: keyed by (issuer, subject), never by email. */
export const identities = pgTable(
  'identities',
  {
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    claims: jsonb('claims').notNull().default({}),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    lastLoginAt: timestamptz('last_login_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.subject] }), index('identities_user_idx').on(t.userId)],
);

/** express-session's store. `user_id` lets the server end every session of a member at once. */
export const sessions = pgTable(
  'sessions',
  {
    sid: text('sid').primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    data: jsonb('data').notNull(),
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);

/** The columns of every invitation-link table (network invitations here, space invitations in spaces). */
export const inviteLinkColumns = () => ({
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 of the token in the link; the token itself is shown once and never stored. */
  tokenHash: text('token_hash').notNull().unique(),
  note: text('note').notNull().default(''),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  expiresAt: timestamptz('expires_at').notNull(),
  maxUses: integer('max_uses'),
  uses: integer('uses').notNull().default(0),
  revokedAt: timestamptz('revoked_at'),
});

export const invites = pgTable('invites', inviteLinkColumns());

export const guidelinesVersions = pgTable('guidelines_versions', {
  /** 1, 2, 3…: computed as max + 1 when an admin publishes; version 1 is seeded at start-up. */
  version: integer('version').primaryKey(),
  bodyMarkdown: text('body_markdown').notNull(),
  publishedBy: uuid('published_by').references(() => users.id, { onDelete: 'set null' }),
  publishedAt: timestamptz('published_at').notNull().defaultNow(),
});

/** One row per acceptance: the GDPR consent record (who, which version, when). Never updated. */
export const consents = pgTable(
  'consents',
  {
    id: serial('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    version: integer('version')
      .notNull()
      .references(() => guidelinesVersions.version),
    ageConfirmed: boolean('age_confirmed').notNull().default(false),
    acceptedAt: timestamptz('accepted_at').notNull().defaultNow(),
  },
  (t) => [index('consents_user_idx').on(t.userId, t.acceptedAt)],
);
