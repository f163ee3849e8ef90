// Exactly-once sending of chat messages: docs/ARCHITECTURE.md#chat
import { CommandError, live } from '../realtime/connection.svelte';
import { liveStores } from '../realtime/live-stores';
import { newClientId, type Message } from './chat-api';
import { messageOf } from './forms.svelte';
import { t } from './i18n.svelte';

export interface PendingMessage {
  clientId: string;
  conversationId: string;
  parentId: string | null;
  bodyMarkdown: string;
  createdAt: string;
  /** `sending` until acknowledged (retried meanwhile); `failed` when the server refused it. */
  status: 'sending' | 'failed';
  error?: string;
}

/** How long one attempt waits for its ack before sending again with the same client id. */
const SEND_TIMEOUT_MS = 8_000;
const RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000];

/**
 * Messages on their way. Each gets its client id before the first attempt and keeps it: the
 * server answers a repeated `chat:send` with the message the first one made, so retrying after a
 * timeout or a reconnect can never post it twice.
 *
 * The retry is written here, for `chat:send` only, on purpose. Socket.IO's own `retries` option
 * would resend every command after a timeout, including ones that are not idempotent
 * (`post:create`, `chat:react` toggles): it stays off.
 */
export class ChatOutbox {
  items = $state<PendingMessage[]>([]);

  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #inFlight = new Set<string>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #attempts = new Map<string, number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- listeners, never shown
  #listeners = new Set<(message: Message) => void>();

  /** Pending messages of one conversation (top level, or one thread's replies), oldest first. */
  pendingIn(conversationId: string, parentId: string | null): PendingMessage[] {
    return this.items.filter((item) => item.conversationId === conversationId && item.parentId === parentId);
  }

  /** Shows the message at once as pending and sends it until the server acknowledges it. */
  send(conversationId: string, bodyMarkdown: string, parentId: string | null = null): PendingMessage {
    const item: PendingMessage = {
      clientId: newClientId(),
      conversationId,
      parentId,
      bodyMarkdown,
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a timestamp, read once
      createdAt: new Date().toISOString(),
      status: 'sending',
    };
    this.items = [...this.items, item];
    void this.#attempt(item.clientId);
    return item;
  }

  retry(clientId: string): void {
    this.#update(clientId, { status: 'sending', error: undefined });
    this.#attempts.delete(clientId);
    void this.#attempt(clientId);
  }

  discard(clientId: string): void {
    this.#forget(clientId);
  }

  /** The server has the message (its ack, or its event arrived first): no longer pending. */
  delivered(message: Message): void {
    if (!this.items.some((item) => item.clientId === message.clientId)) return;
    this.#forget(message.clientId);
    for (const listener of this.#listeners) listener(message);
  }

  /** Hears each message the server acknowledged, so open conversations show it even before its event. */
  onDelivered(listener: (message: Message) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** After every (re)connection: whatever is still unacknowledged goes again, with its id. */
  connected(): void {
    for (const item of this.items) if (item.status === 'sending') void this.#attempt(item.clientId);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#attempts.clear();
    this.items = [];
  }

  async #attempt(clientId: string): Promise<void> {
    clearTimeout(this.#timers.get(clientId));
    this.#timers.delete(clientId);
    const item = this.items.find((candidate) => candidate.clientId === clientId);
    // Offline: `connected()` sends it when the connection is back.
    if (!item || item.status !== 'sending' || this.#inFlight.has(clientId) || !live.connected) return;
    this.#inFlight.add(clientId);
    try {
      const message = await live.command(
        'chat:send',
        {
          conversationId: item.conversationId,
          clientId: item.clientId,
          bodyMarkdown: item.bodyMarkdown,
          ...(item.parentId ? { parentId: item.parentId } : {}),
        },
        SEND_TIMEOUT_MS,
      );
      this.delivered(message);
    } catch (error) {
      if (error instanceof CommandError && error.code === 'unavailable') {
        // No answer: it may or may not have arrived. Sending the same id again is safe.
        const attempts = (this.#attempts.get(clientId) ?? 0) + 1;
        this.#attempts.set(clientId, attempts);
        const delay = RETRY_DELAYS_MS[Math.min(attempts - 1, RETRY_DELAYS_MS.length - 1)]!;
        this.#timers.set(
          clientId,
          setTimeout(() => void this.#attempt(clientId), delay),
        );
      } else {
        this.#update(clientId, { status: 'failed', error: sendErrorOf(error) });
      }
    } finally {
      this.#inFlight.delete(clientId);
    }
  }

  #update(clientId: string, changes: Partial<PendingMessage>): void {
    this.items = this.items.map((item) => (item.clientId === clientId ? { ...item, ...changes } : item));
  }

  #forget(clientId: string): void {
    clearTimeout(this.#timers.get(clientId));
    this.#timers.delete(clientId);
    this.#attempts.delete(clientId);
    this.items = this.items.filter((item) => item.clientId !== clientId);
  }
}

/** Why a message was refused, in words that say what to do. */
function sendErrorOf(error: unknown): string {
  if (error instanceof CommandError) {
    if (error.code === 'rate_limited') {
      return error.retryAfterSeconds
        ? t('chat:outbox.tooFastSeconds', { count: Math.ceil(error.retryAfterSeconds) })
        : t('chat:outbox.tooFast');
    }
    if (error.code === 'not_found') return t('chat:outbox.gone');
    // A refusal names its reason in the server's words (e.g. "You cannot send messages to this member").
    if (error.code === 'forbidden') return t('chat:outbox.notSent', { reason: error.message.replace(/\.$/, '') });
  }
  return t('chat:outbox.notSent', { reason: messageOf(error).replace(/\.$/, '') });
}

export const chatOutbox = new ChatOutbox();

liveStores.register({
  name: 'chat-outbox',
  clear: () => chatOutbox.clear(),
  // Messages still unacknowledged are sent again, with their ids.
  reconnected: () => chatOutbox.connected(),
});
