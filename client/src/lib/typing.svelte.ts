import { SvelteMap } from 'svelte/reactivity';
import type { EventPayload } from '../../../shared/protocol/events';
import { live } from '../realtime/connection.svelte';
import { formatList } from './format';
import { t } from './i18n.svelte';
import { liveStores } from '../realtime/live-stores';

interface Typist {
  userId: string;
  name: string;
  timer: ReturnType<typeof setTimeout>;
}

/** The server drops repeats closer than this; sending more often only costs traffic. */
const SEND_EVERY_MS = 2_000;

/**
 * Who is typing where (`chat:typing`), each forgotten after the `expiresInMs` the server gave
 * unless repeated, or as soon as their message arrives. Also sends my own, throttled.
 */
export class TypingStore {
  #byConversation = new SvelteMap<string, Typist[]>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #lastSent = new Map<string, number>();

  /** Display names of those typing in a conversation, in the order they started. */
  namesIn(conversationId: string): string[] {
    return (this.#byConversation.get(conversationId) ?? []).map((typist) => typist.name);
  }

  received({ conversationId, user, expiresInMs }: EventPayload<'chat:typing'>): void {
    const list = this.#byConversation.get(conversationId) ?? [];
    const known = list.find((typist) => typist.userId === user.id);
    if (known) clearTimeout(known.timer);
    const timer = setTimeout(() => this.stopped(conversationId, user.id), expiresInMs);
    const typist = { userId: user.id, name: user.displayName, timer };
    this.#byConversation.set(conversationId, known ? list.map((t) => (t.userId === user.id ? typist : t)) : [...list, typist]);
  }

  /** Their message arrived (or the indicator expired). */
  stopped(conversationId: string, userId: string): void {
    const list = this.#byConversation.get(conversationId);
    const gone = list?.find((typist) => typist.userId === userId);
    if (!list || !gone) return;
    clearTimeout(gone.timer);
    const rest = list.filter((typist) => typist !== gone);
    if (rest.length === 0) this.#byConversation.delete(conversationId);
    else this.#byConversation.set(conversationId, rest);
  }

  /** I am typing: tells the others at most every 2 s. */
  notify(conversationId: string): void {
    const now = Date.now();
    if (!live.connected || now - (this.#lastSent.get(conversationId) ?? 0) < SEND_EVERY_MS) return;
    this.#lastSent.set(conversationId, now);
    live.command('chat:typing', { conversationId }).catch(() => {});
  }

  /** I sent my message: the next keystroke may tell the others again at once. */
  sent(conversationId: string): void {
    this.#lastSent.delete(conversationId);
  }

  clear(): void {
    for (const list of this.#byConversation.values()) for (const typist of list) clearTimeout(typist.timer);
    this.#byConversation.clear();
    this.#lastSent.clear();
  }
}

/**
 * "Bea is typing…", "Bea and Cy are typing…", "Several people are typing…".
 * @example typingLine(['Bea Arthur']) // → 'Bea Arthur is typing…'
 */
export function typingLine(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length > 2) return t('chat:typing.several');
  return t('chat:typing.some', { count: names.length, names: formatList(names) });
}

export const typing = new TypingStore();

liveStores.register({
  name: 'typing',
  events: { 'chat:typing': (payload) => typing.received(payload) },
  clear: () => typing.clear(),
});
