// Markdown as readable text, for the places that show a few words of a post or message outside
// its page: search snippets, moderation case excerpts, notices and emails. The rendered HTML is
// for pages (server/core/markdown.ts); these are read in toasts, lists and mail.
import MarkdownIt from 'markdown-it';

type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];

// No linkify and no typographer: the text stays the words the member wrote.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

function inlineText(children: Token[] | null): string {
  let out = '';
  for (const token of children ?? []) {
    if (token.type === 'text' || token.type === 'code_inline' || token.type === 'html_inline') out += token.content;
    else if (token.type === 'softbreak' || token.type === 'hardbreak') out += ' ';
    else if (token.type === 'image') out += inlineText(token.children);
  }
  return out;
}

/**
 * The words of a Markdown text without its markup: emphasis, links (their text stays), headings,
 * lists, quotes and code fences become plain words, blocks separated by a space; whitespace is
 * collapsed. `max` cuts at a word boundary with an ellipsis.
 * @example plainTextOf('**Hello** [world](https://x.org)') // → 'Hello world'
 */
export function plainTextOf(markdown: string, max?: number): string {
  const parts: string[] = [];
  for (const token of md.parse(markdown, {})) {
    if (token.type === 'inline') parts.push(inlineText(token.children));
    else if (token.type === 'fence' || token.type === 'code_block' || token.type === 'html_block') parts.push(token.content);
  }
  const text = parts.join(' ').replace(/\s+/g, ' ').trim();
  return max === undefined ? text : shorten(text, max);
}

/** At most `max` characters, cut after a whole word when there is one, with an ellipsis when cut. */
export function shorten(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const cut = chars.slice(0, Math.max(1, max - 1)).join('');
  const atSpace = cut.lastIndexOf(' ');
  return `${(atSpace > max / 2 ? cut.slice(0, atSpace) : cut).trimEnd()}…`;
}

/** The excerpt of a post, comment or message where only a line fits (case cards, notices, toasts). */
export function excerptText(markdown: string): string {
  return plainTextOf(markdown, 140);
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** The words of a search query, lower-cased, as the 'simple' text search configuration sees them (letters and digits). */
export function queryWords(query: string): string[] {
  return [...new Set((query.toLowerCase().match(WORD) ?? []).slice(0, 20))];
}

/**
 * A few words of `text` around the first word that starts with one of `words`; each matching word
 * wrapped in « ». Without a match, the start of the text.
 * @example snippetAround('I play spades on Sundays', ['spade'], 3) // → '…play «spades» on…'
 */
export function snippetAround(text: string, words: string[], size = 30): string {
  const tokens = text.split(' ').filter(Boolean);
  const matches = (token: string) => {
    const found = token.toLowerCase().match(WORD) ?? [];
    return found.some((part) => words.some((w) => part.startsWith(w)));
  };
  const first = Math.max(0, tokens.findIndex(matches));
  const start = Math.max(0, Math.min(first - Math.floor(size / 3), tokens.length - size));
  const end = Math.min(tokens.length, start + size);
  const body = tokens
    .slice(start, end)
    .map((token) => (matches(token) ? `«${token}»` : token))
    .join(' ');
  return `${start > 0 ? '…' : ''}${body}${end < tokens.length ? '…' : ''}`;
}
