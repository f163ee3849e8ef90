// The first-run checklist of a new network: each item is read from the network as it is (no
// ticking by hand), so it is right on every node and after any change made elsewhere.
import { and, isNull, max, ne, sql } from 'drizzle-orm';
import type { Checklist } from '../../../shared/api/welcome.routes';
import type { Config } from '../../config';
import type { Db } from '../../core/db/database';
import { guidelinesVersions, invites, spaces } from '../../core/db/schema';
import { checkAdmin, type Actor } from '../accounts/actor';
import { readSiteRow } from '../site/site.public';
import type { ChecklistSettingsGroup, WelcomeSettings } from './welcome.settings';

export function createChecklist(deps: {
  db: Db;
  config: Pick<Config, 'oidc'>;
  settings: ChecklistSettingsGroup;
  welcomeSettings(): Promise<Readonly<WelcomeSettings>>;
}) {
  const { db, config } = deps;

  async function read(): Promise<Checklist> {
    const site = await readSiteRow(db);
    const [guidelines] = await db.select({ version: max(guidelinesVersions.version) }).from(guidelinesVersions);
    const { welcomeSpaceId } = await deps.welcomeSettings();
    const [space] = await db
      .select({ id: spaces.id })
      .from(spaces)
      .where(and(isNull(spaces.archivedAt), welcomeSpaceId ? ne(spaces.id, welcomeSpaceId) : undefined))
      .limit(1);
    const [invite] = await db.select({ id: invites.id }).from(invites).where(sql`true`).limit(1);
    const items: Checklist['items'] = [
      { id: 'siteName', done: site.name !== null, optional: false },
      // Version 1 is the built-in text seeded at start-up; an admin's own starts at 2.
      { id: 'guidelines', done: (guidelines?.version ?? 0) > 1, optional: false },
      { id: 'welcomeSpace', done: welcomeSpaceId !== null, optional: false },
      { id: 'firstSpace', done: Boolean(space), optional: false },
      { id: 'invite', done: Boolean(invite), optional: false },
      // Set by the operator in the environment (OIDC_*), not in the app: optional.
      { id: 'sso', done: Boolean(config.oidc), optional: true },
    ];
    const { checklistDismissed } = await deps.settings.get();
    return { items, complete: items.every((i) => i.done || i.optional), dismissed: checklistDismissed };
  }

  return {
    async accessChecklist(actor: Actor): Promise<Checklist> {
      checkAdmin(actor);
      return read();
    },

    async doUpdateChecklist(actor: Actor, patch: { dismissed: boolean }): Promise<Checklist> {
      checkAdmin(actor);
      await deps.settings.update(db, { checklistDismissed: patch.dismissed });
      return read();
    },
  };
}

export type ChecklistService = ReturnType<typeof createChecklist>;
