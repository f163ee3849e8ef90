// Facts the accounts feature tells the others (server/core/events/domain-events.ts).

declare module '../../core/events/domain-events' {
  interface DomainEvents {
    /** A member accepted the guidelines for the first time: they are in (the welcome bot greets them). */
    'account.guidelines-first-accepted': { userId: string };
    /** A member's account and personal data were erased; features forget what they kept of them. */
    'account.erased': { userId: string };
    /** An admin published a new version of the guidelines: every member must accept it. */
    'account.guidelines-published': { version: number; publishedBy: string };
    /** A member has an address nobody confirmed yet (signed up, or the provider gave an unverified one): mail them a link. */
    'account.address-to-confirm': { userId: string; email: string };
  }
}

export {};
