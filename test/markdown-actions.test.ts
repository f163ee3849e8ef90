import { markdownEdit, shortcutOf, type KeyChord, type MarkdownAction } from '../client/src/components/editor/markdown-actions';

// The composer's formatting toolbar: what each button does to the text and its selection.
function apply(marked: string, action: MarkdownAction): string {
  // `[` and `]` mark the selection in these examples; `|` a caret.
  const caret = marked.indexOf('|');
  const text = marked.replace(/[[\]|]/g, '');
  const from = caret >= 0 ? caret : marked.indexOf('[');
  const to = caret >= 0 ? caret : marked.indexOf(']') - 1;
  const edit = markdownEdit(text, from, to, action);
  const out = text.slice(0, edit.start) + edit.insert + text.slice(edit.end);
  if (edit.selectStart === edit.selectEnd) return `${out.slice(0, edit.selectStart)}|${out.slice(edit.selectStart)}`;
  return `${out.slice(0, edit.selectStart)}[${out.slice(edit.selectStart, edit.selectEnd)}]${out.slice(edit.selectEnd)}`;
}

describe('markdownEdit', () => {
  test.each<[string, MarkdownAction, string]>([
    ['a [word] here', 'bold', 'a **[word]** here'],
    ['a [word ]here', 'bold', 'a **[word]** here'],
    ['a **[word]** here', 'bold', 'a [word] here'],
    ['a [**word**] here', 'bold', 'a [word] here'],
    ['a |', 'bold', 'a **|**'],
    ['a [word] here', 'italic', 'a *[word]* here'],
    ['a *[word]* here', 'italic', 'a [word] here'],
    ['a **[word]** here', 'italic', 'a ***[word]*** here'],
    ['a ***[word]*** here', 'bold', 'a *[word]* here'],
    ['run [npm test] now', 'code', 'run `[npm test]` now'],
    ['see:\n[a\nb]', 'code', 'see:\n```\n[a\nb]\n```'],
    ['[one\ntwo]', 'bulletList', '[- one\n- two]'],
    ['[- one\n- two]', 'bulletList', '[one\ntwo]'],
    ['first\nsec|ond', 'bulletList', 'first\n- sec|ond'],
    ['[said it]', 'quote', '[> said it]'],
    ['[the plan]', 'link', '[the plan]([https://])'],
    ['[https://example.org]', 'link', '[|](https://example.org)'],
    ['|', 'link', '[|](https://)'],
    ['thanks|', 'mention', 'thanks @|'],
    ['thanks |', 'mention', 'thanks @|'],
  ])('when %j gets %s, then it reads %j', (before, action, after) => {
    expect(apply(before, action)).toBe(after);
  });
});

describe('shortcutOf', () => {
  const key = (init: Partial<KeyChord>): KeyChord => ({ ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, key: '', code: '', ...init });

  test('when Ctrl+B, Ctrl+I, Ctrl+K or Ctrl+E is pressed off Apple devices, then bold, italic, link or code', () => {
    expect(['b', 'i', 'k', 'e'].map((k) => shortcutOf(key({ ctrlKey: true, key: k }), false))).toEqual(['bold', 'italic', 'link', 'code']);
  });

  test('when ⌘ is pressed on an Apple device, then it is the modifier, and Ctrl is not', () => {
    expect(shortcutOf(key({ metaKey: true, key: 'B' }), true)).toBe('bold');
    expect(shortcutOf(key({ ctrlKey: true, key: 'b' }), true)).toBeUndefined();
  });

  test('when Ctrl+Shift+8 or Ctrl+Shift+. is pressed, then a bulleted list or a quote, whatever the layout types', () => {
    expect(shortcutOf(key({ ctrlKey: true, shiftKey: true, key: '*', code: 'Digit8' }), false)).toBe('bulletList');
    expect(shortcutOf(key({ ctrlKey: true, shiftKey: true, key: '>', code: 'Period' }), false)).toBe('quote');
  });

  test('when a letter is typed without the modifier, or with Alt, then it is no shortcut', () => {
    expect(shortcutOf(key({ key: 'b' }), false)).toBeUndefined();
    expect(shortcutOf(key({ ctrlKey: true, altKey: true, key: 'b' }), false)).toBeUndefined();
  });
});
