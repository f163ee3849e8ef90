// The settings registry's own fact (server/core/settings/settings.ts, decision 013).

/** Whose settings: the whole network's, one space's, or one member's. */
export type SettingsScope = 'site' | 'space' | 'member';

declare module '../events/domain-events' {
  interface DomainEvents {
    /**
     * Settings were written in a unit of work (released after commit): every node drops its copy.
     * `key` null: every group of that scope id (forgotten).
     */
    'settings.changed': { scope: SettingsScope; scopeId: string; key: string | null };
  }
}
