// Facts the moderation feature tells the others (server/core/events/domain-events.ts).

declare module '../../core/events/domain-events' {
  interface DomainEvents {
    /** The moderators sent members notices (a report's outcome, an action on them, an appeal's answer). */
    'moderation.noticed': { notices: { userId: string; noticeId: string; kind: string }[] };
    /** A member read their notices. */
    'moderation.notices-read': { userId: string };
  }
}

export {};
