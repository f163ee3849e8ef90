import { createContentRegistry, type ContentKind, type ContentState } from './content-registry';

/** A kind whose items are all in memory: enough to see how the registry routes calls. */
function memoryKind(kind: string, states: Record<string, ContentState>): ContentKind<{ id: string }> & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    kind,
    noun: kind,
    placeholder: { hidden: 'Hidden', deleted: 'Deleted' },
    asked,
    describe: async (id) => (states[id] ? { spaceId: null, authorId: 'a', excerpt: id, link: null } : undefined),
    accessForReader: async (_actor, id) => ({ spaceId: null, authorId: 'a', excerpt: id, link: null }),
    changeVisibility: async () => true,
    async statesOf(ids) {
      asked.push(ids);
      return new Map(ids.filter((id) => states[id]).map((id) => [id, states[id]!]));
    },
  };
}

describe('content registry', () => {
  it('when kinds are registered, then each is found by its name in registration order', () => {
    const post = memoryKind('post', {});
    const message = memoryKind('message', {});
    const registry = createContentRegistry<{ id: string }>().register(post).register(message);

    expect(registry.get('post')).toBe(post);
    expect(registry.find('message')).toBe(message);
    expect(registry.kinds()).toEqual(['post', 'message']);
  });

  it('when a name is unknown, then find answers undefined and get throws', () => {
    const registry = createContentRegistry<{ id: string }>().register(memoryKind('post', {}));

    expect(registry.find('member')).toBeUndefined();
    expect(() => registry.get('member')).toThrow('No content kind "member" is registered');
  });

  it('when a kind is registered twice, then the second registration throws', () => {
    const registry = createContentRegistry<{ id: string }>().register(memoryKind('post', {}));

    expect(() => registry.register(memoryKind('post', {}))).toThrow('registered twice');
  });

  it('when states of mixed kinds are asked, then each kind is asked once for its own ids and unregistered kinds are skipped', async () => {
    const post = memoryKind('post', { p1: { hidden: true, deleted: false }, p2: { hidden: false, deleted: true } });
    const message = memoryKind('message', { m1: { hidden: false, deleted: false } });
    const comment = memoryKind('comment', {});
    const registry = createContentRegistry<{ id: string }>().register(post, message, comment);

    const states = await registry.statesOf([
      { kind: 'post', id: 'p1' },
      { kind: 'member', id: 'u1' },
      { kind: 'message', id: 'm1' },
      { kind: 'post', id: 'p2' },
      { kind: 'post', id: 'p1' },
    ]);

    expect(post.asked).toEqual([['p1', 'p2']]);
    expect(message.asked).toEqual([['m1']]);
    expect(comment.asked).toEqual([]);
    expect(Object.fromEntries(states)).toEqual({
      p1: { hidden: true, deleted: false },
      p2: { hidden: false, deleted: true },
      m1: { hidden: false, deleted: false },
    });
  });
});
