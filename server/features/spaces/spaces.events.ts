// Facts the spaces feature tells the others (server/core/events/domain-events.ts).

/** A membership's status: null when there is none. */
export type MembershipStatus = 'active' | 'invited' | 'requested' | null;

/** A member's standing in a space changed (joined, requested, invited, approved, left, removed). */
export interface MembershipChange {
  spaceId: string;
  userId: string;
  before: MembershipStatus;
  after: MembershipStatus;
  via: 'join' | 'invitation' | 'host' | 'approval' | 'link' | 'leave' | 'removal' | 'erasure' | 'creation';
}

declare module '../../core/events/domain-events' {
  interface DomainEvents {
    'space.membership-changed': MembershipChange;
  }
}
