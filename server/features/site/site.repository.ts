import { eq } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { site } from '../../core/db/schema';

export type SiteRow = typeof site.$inferSelect;

/** Creates the site row on first start; later starts find the one already there. */
export async function ensureSiteRow(db: Db): Promise<SiteRow> {
  await db.insert(site).values({ id: 1 }).onConflictDoNothing();
  const [row] = await db.select().from(site).where(eq(site.id, 1));
  if (!row) throw new Error('site row missing right after insert');
  return row;
}

/** The site row as it is; start-up has created it (ensureSiteRow), so request paths only read. */
export async function readSiteRow(db: Db): Promise<SiteRow> {
  const [row] = await db.select().from(site).where(eq(site.id, 1));
  if (!row) throw new Error('site row missing: ensureSiteRow runs at start-up');
  return row;
}
