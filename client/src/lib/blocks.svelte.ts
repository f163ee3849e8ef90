import { chatApi, type Block } from './chat-api';
import { conversations } from './conversations.svelte';

/**
 * The members I blocked: they cannot start or send direct messages to me, and their messages are
 * hidden from me. Loaded when a page needs it (a profile, the settings).
 */
export class BlocksStore {
  items = $state<Block[]>([]);
  status = $state<'idle' | 'loading' | 'ready' | 'failed'>('idle');

  isBlocked(userId: string): boolean {
    return this.items.some((block) => block.user.id === userId);
  }

  async load(): Promise<void> {
    if (this.status === 'idle' || this.status === 'failed') this.status = 'loading';
    try {
      this.items = (await chatApi.blocks()).items;
      this.status = 'ready';
    } catch (error) {
      if (this.status !== 'ready') this.status = 'failed';
      throw error;
    }
  }

  async block(handle: string): Promise<void> {
    const block = await chatApi.block(handle);
    this.items = [block, ...this.items.filter((item) => item.user.id !== block.user.id)];
    // Their messages no longer count as unread.
    conversations.reloadSoon();
  }

  async unblock(userId: string): Promise<void> {
    this.items = (await chatApi.unblock(userId)).items;
    conversations.reloadSoon();
  }
}

export const blocks = new BlocksStore();
