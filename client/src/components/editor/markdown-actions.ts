// The formatting toolbar's actions (MarkdownEditor): each turns the text and its selection into one
// replacement of a range, which the editor applies as a single typed edit so that Undo takes back
// exactly one action. Pure functions, so they are tested without a browser (test/markdown-actions.test.ts).

export type MarkdownAction = 'bold' | 'italic' | 'link' | 'bulletList' | 'quote' | 'code' | 'mention';

/** Replace `text.slice(start, end)` with `insert`, then select `[selectStart, selectEnd)` of the new text. */
export interface Edit {
  start: number;
  end: number;
  insert: string;
  selectStart: number;
  selectEnd: number;
}

const wrappers: Partial<Record<MarkdownAction, string>> = { bold: '**', italic: '*', code: '`' };
const prefixes: Partial<Record<MarkdownAction, string>> = { bulletList: '- ', quote: '> ' };

/**
 * What an action does to `text` with the selection `[from, to)`.
 * @example markdownEdit('a word', 2, 6, 'bold') // → { start: 2, end: 6, insert: '**word**', selectStart: 4, selectEnd: 8 }
 */
export function markdownEdit(text: string, from: number, to: number, action: MarkdownAction): Edit {
  const start = Math.min(from, to);
  const end = Math.max(from, to);
  const wrapper = wrappers[action];
  if (action === 'code' && text.slice(start, end).includes('\n')) return fence(text, start, end);
  if (wrapper) return wrap(text, start, end, wrapper);
  const prefix = prefixes[action];
  if (prefix) return prefixLines(text, start, end, prefix);
  if (action === 'link') return link(text, start, end);
  return mention(text, start, end);
}

/** `**word**` around the selection (its surrounding spaces stay outside), or off again when it is already there. */
function wrap(text: string, start: number, end: number, marker: string): Edit {
  const selected = text.slice(start, end);
  const blank = selected.trim() === '';
  const innerStart = blank ? start : start + selected.length - selected.trimStart().length;
  const innerEnd = blank ? end : end - (selected.length - selected.trimEnd().length);
  const inner = text.slice(innerStart, innerEnd);
  const m = marker.length;
  // The selection is the marked text: **word** selected as "word".
  if (!blank && marks(runBefore(text, innerStart, marker[0]!), marker) && marks(runAfter(text, innerEnd, marker[0]!), marker)) {
    return { start: innerStart - m, end: innerEnd + m, insert: inner, selectStart: innerStart - m, selectEnd: innerEnd - m };
  }
  // The selection includes its markers: "**word**" selected.
  if (inner.length > 2 * m && marks(runAfter(inner, 0, marker[0]!), marker) && marks(runBefore(inner, inner.length, marker[0]!), marker)) {
    const bare = inner.slice(m, inner.length - m);
    return { start: innerStart, end: innerEnd, insert: bare, selectStart: innerStart, selectEnd: innerStart + bare.length };
  }
  return { start: innerStart, end: innerEnd, insert: marker + inner + marker, selectStart: innerStart + m, selectEnd: innerEnd + m };
}

/** How many `char` stand just before `at`. */
function runBefore(text: string, at: number, char: string): number {
  let n = 0;
  while (at - n - 1 >= 0 && text[at - n - 1] === char) n += 1;
  return n;
}

/** How many `char` stand from `at` on. */
function runAfter(text: string, at: number, char: string): number {
  let n = 0;
  while (at + n < text.length && text[at + n] === char) n += 1;
  return n;
}

/** Whether a run of marker characters contains this marker: `***` is bold and italic, `**` bold only. */
function marks(run: number, marker: string): boolean {
  if (marker === '*') return run === 1 || run === 3;
  if (marker === '**') return run === 2 || run === 3;
  return run >= marker.length;
}

/** Several lines of code: a fenced block on lines of its own. */
function fence(text: string, start: number, end: number): Edit {
  const before = start > 0 && text[start - 1] !== '\n' ? '\n' : '';
  const after = end < text.length && text[end] !== '\n' ? '\n' : '';
  const body = text.slice(start, end).replace(/\n$/, '');
  const insert = `${before}\`\`\`\n${body}\n\`\`\`${after}`;
  const bodyStart = start + before.length + 4;
  return { start, end, insert, selectStart: bodyStart, selectEnd: bodyStart + body.length };
}

/** "- " or "> " before every line the selection touches, or off again when every one has it. */
function prefixLines(text: string, start: number, end: number, prefix: string): Edit {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  // A selection ending just after a newline does not take the next line in.
  const last = end > start && text[end - 1] === '\n' ? end - 1 : end;
  const nextBreak = text.indexOf('\n', last);
  const lineEnd = nextBreak === -1 ? text.length : nextBreak;
  const lines = text.slice(lineStart, lineEnd).split('\n');
  const marker = prefix.trimEnd();
  const all = lines.every((line) => line.startsWith(marker));
  const changed = all
    ? lines.map((line) => (line.startsWith(prefix) ? line.slice(prefix.length) : line.slice(marker.length)))
    : lines.map((line) => (line.startsWith(marker) ? line : prefix + line));
  const insert = changed.join('\n');
  // A caret stays where it was in its line; a selection covers the changed lines.
  if (start === end) {
    const shift = insert.length - (lineEnd - lineStart);
    const caret = Math.max(lineStart, start + shift);
    return { start: lineStart, end: lineEnd, insert, selectStart: caret, selectEnd: caret };
  }
  return { start: lineStart, end: lineEnd, insert, selectStart: lineStart, selectEnd: lineStart + insert.length };
}

const urlLike = /^(https?:\/\/|mailto:|www\.)\S+$/i;

/** `[text](https://)` with the address selected to type over; a selected address becomes the target. */
function link(text: string, start: number, end: number): Edit {
  const selected = text.slice(start, end).trim();
  if (urlLike.test(selected)) {
    const insert = `[](${selected})`;
    return { start, end, insert, selectStart: start + 1, selectEnd: start + 1 };
  }
  const label = selected.replace(/\s+/g, ' ');
  const insert = `[${label}](https://)`;
  if (label === '') return { start, end, insert, selectStart: start + 1, selectEnd: start + 1 };
  const urlStart = start + label.length + 3;
  return { start, end, insert, selectStart: urlStart, selectEnd: urlStart + 'https://'.length };
}

/** An `@` to start a mention, after a space when it would touch a word. */
function mention(text: string, start: number, end: number): Edit {
  const before = start > 0 && /[\w@/]/.test(text[start - 1] ?? '') ? ' ' : '';
  const insert = `${before}@`;
  const caret = start + insert.length;
  return { start, end, insert, selectStart: caret, selectEnd: caret };
}

/** The parts of a KeyboardEvent a shortcut depends on. */
export interface KeyChord {
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  key: string;
  code: string;
}

/** The keyboard shortcut of an action, if it has one: Ctrl (⌘ on Apple devices) with the key. */
export function shortcutOf(event: KeyChord, apple: boolean): MarkdownAction | undefined {
  const mod = apple ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  if (!mod || event.altKey) return undefined;
  if (event.shiftKey) {
    if (event.code === 'Digit8') return 'bulletList';
    if (event.code === 'Period') return 'quote';
    if (event.code === 'Digit2') return 'mention';
    return undefined;
  }
  const key = event.key.toLowerCase();
  if (key === 'b') return 'bold';
  if (key === 'i') return 'italic';
  if (key === 'k') return 'link';
  if (key === 'e') return 'code';
  return undefined;
}

/** What the shortcut is called on this device, e.g. "Ctrl+B", "⌘+Shift+8". */
export function shortcutLabel(action: MarkdownAction, apple: boolean): string {
  const mod = apple ? '⌘' : 'Ctrl';
  const keys: Record<MarkdownAction, string> = {
    bold: 'B',
    italic: 'I',
    link: 'K',
    code: 'E',
    bulletList: 'Shift+8',
    quote: 'Shift+.',
    mention: 'Shift+2',
  };
  return `${mod}+${keys[action]}`;
}

/** The same for `aria-keyshortcuts` (its own syntax: "Control+B", "Meta+Shift+8"). */
export function ariaShortcut(action: MarkdownAction, apple: boolean): string {
  return shortcutLabel(action, apple).replace('⌘', 'Meta').replace('Ctrl', 'Control').replace('Shift+.', 'Shift+Period');
}
