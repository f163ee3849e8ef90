// The kinds of notification and what each promises (decision 020). A feature that notifies
// registers its kinds here (the calendar's `event.reminder`, files' `file.shared`), so the
// centre, preferences and (later) mail and push never switch on a kind.

/** What a member can turn on or off per kind. */
export interface NotificationChannels {
  /** The bell and the list. */
  app: boolean;
  /** 'immediate': mailed when still unread after the delay; 'digest': in the daily/weekly digest. */
  email: 'immediate' | 'digest' | 'off';
  push: boolean;
}

export interface NotificationKind {
  readonly kind: string;
  /** The defaults of a new member (admins can change them for the network). */
  readonly channels: NotificationChannels;
  /**
   * Whether muting the space, thread or conversation it happens in silences it. Notices about the
   * member's own account (moderation, guidelines) are never muted away.
   */
  readonly mutable: boolean;
  /**
   * A feature's own mail that stands under this kind (the calendar's RSVP confirmation): never in
   * the bell, never pushed, never in a digest; the member chooses only whether it is mailed.
   */
  readonly mailOnly?: boolean;
}

export interface NotificationKindRegistry {
  register(...kinds: NotificationKind[]): NotificationKindRegistry;
  get(kind: string): NotificationKind;
  find(kind: string): NotificationKind | undefined;
  all(): NotificationKind[];
}

export function createNotificationKinds(): NotificationKindRegistry {
  const byName = new Map<string, NotificationKind>();
  const registry: NotificationKindRegistry = {
    register(...kinds) {
      for (const kind of kinds) {
        if (byName.has(kind.kind)) throw new Error(`Notification kind "${kind.kind}" is registered twice`);
        byName.set(kind.kind, kind);
      }
      return registry;
    },
    get(kind) {
      const found = byName.get(kind);
      if (!found) throw new Error(`No notification kind "${kind}" is registered`);
      return found;
    },
    find: (kind) => byName.get(kind),
    all: () => [...byName.values()],
  };
  return registry;
}

const direct: NotificationChannels = { app: true, email: 'immediate', push: true };
const quiet: NotificationChannels = { app: true, email: 'digest', push: false };

/** The platform's own kinds; names match `notificationKinds` in shared/protocol/notifications.ts. */
export const coreNotificationKinds: NotificationKind[] = [
  { kind: 'mention', channels: direct, mutable: true },
  { kind: 'reply', channels: direct, mutable: true },
  { kind: 'thread', channels: quiet, mutable: true },
  { kind: 'reaction', channels: { app: true, email: 'off', push: false }, mutable: true },
  { kind: 'message', channels: direct, mutable: true },
  { kind: 'join-request', channels: direct, mutable: true },
  { kind: 'request-approved', channels: direct, mutable: false },
  { kind: 'invitation', channels: direct, mutable: false },
  { kind: 'moderation', channels: direct, mutable: false },
  { kind: 'guidelines', channels: quiet, mutable: false },
  { kind: 'new-post', channels: quiet, mutable: true },
];
