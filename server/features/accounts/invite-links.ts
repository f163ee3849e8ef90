// Invitation links, to the network (admins) or to a space (its hosts): one token scheme, one rule for
// when a link still works. The token is shown once in the link; only its SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../core/db/database';
import { type invites, type spaceInvites } from '../../core/db/schema';
import { AppError } from '../../core/errors';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const newInviteToken = () => randomBytes(24).toString('base64url');

export interface InviteLinkRow {
  id: string;
  note: string;
  createdAt: Date;
  expiresAt: Date;
  maxUses: number | null;
  uses: number;
  revokedAt: Date | null;
}

interface InviteLinkTable {
  tokenHash: PgColumn;
  expiresAt: PgColumn;
  maxUses: PgColumn;
  uses: PgColumn;
  revokedAt: PgColumn;
}

export function isUsable(row: InviteLinkRow, now = Date.now()): boolean {
  return row.revokedAt === null && row.expiresAt.getTime() > now && (row.maxUses === null || row.uses < row.maxUses);
}

/** The WHERE clause of a link that still works: not revoked, not expired, not used up. */
export function usableByToken(table: InviteLinkTable, token: string) {
  return and(
    eq(table.tokenHash, hashToken(token)),
    isNull(table.revokedAt),
    gt(table.expiresAt, new Date()),
    or(isNull(table.maxUses), sql`${table.uses} < ${table.maxUses}`),
  );
}

/** Takes one use of a link that still works, inside the caller's transaction, or throws invite_invalid. */
export async function takeInviteUse(tx: Db, table: typeof invites | typeof spaceInvites, token: string): Promise<void> {
  const used = await (tx.update(table) as ReturnType<Db['update']>)
    .set({ uses: sql`${table.uses} + 1` })
    .where(usableByToken(table, token))
    .returning({ id: table.id });
  if (used.length === 0) throw new AppError('invite_invalid', 'This invitation link has expired, been used up or revoked');
}

/** The columns of a new link from the creator's choices, and its token (to show once, in the link). */
export function newInviteLink(createdBy: string, input: { note: string; expiresInHours: number; maxUses: number | null }) {
  const token = newInviteToken();
  return {
    token,
    values: {
      tokenHash: hashToken(token),
      note: input.note,
      createdBy,
      expiresAt: new Date(Date.now() + input.expiresInHours * 3_600_000),
      maxUses: input.maxUses,
    },
  };
}

/** What the API shows of a link; `url` only in the answer that created it. */
export function inviteLinkView(row: InviteLinkRow & { createdByHandle: string | null }, url?: string) {
  return {
    id: row.id,
    url: url ?? null,
    note: row.note,
    createdBy: row.createdByHandle,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    maxUses: row.maxUses,
    uses: row.uses,
    revoked: row.revokedAt !== null,
  };
}
