// Facts about content (posts, comments, chat messages; next, calendar events and files), whichever feature owns it.

/** Which piece of content a fact is about: its registered kind, its id, and who wrote it. */
export interface ContentRef {
  kind: string;
  id: string;
  authorId: string;
}

declare module '../events/domain-events' {
  interface DomainEvents {
    /** Content was created or its text edited (after commit): the word list checks it. */
    'content.written': ContentRef & { change: 'created' | 'edited'; markdown: string };
    /** Someone added a reaction to content (`authorId` wrote the content; taking a reaction back is no fact). */
    'content.reacted': ContentRef & { reactorId: string };
  }
}
