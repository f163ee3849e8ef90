import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// Raw HTML in the source is never passed through (html: false); the sanitiser is a second wall
// behind markdown-it, so a renderer bug cannot become stored XSS. A single newline is a line break
// (breaks: true): people write chat and posts line by line (Shift+Enter), not in paragraphs. The
// preview (client/src/lib/markdown.ts) renders with the same options, so what it shows is what is kept.
const md = new MarkdownIt({ html: false, linkify: true, typographer: true, breaks: true });

const allowedTags = [
  'p', 'br', 'hr', 'strong', 'em', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
];

/** Renders member-written Markdown to HTML that is safe to insert into a page as it is. */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source), {
    allowedTags,
    allowedAttributes: { a: ['href', 'title', 'rel'], ol: ['start'], th: ['align'], td: ['align'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }) },
  });
}

const MENTION = /(?<![\w@/])@([a-z][a-z0-9_]{2,29})\b/gi;

/** The distinct @handles a text mentions (at most 20), lower-cased. */
export function mentionedHandles(markdown: string): string[] {
  return [...new Set([...markdown.matchAll(MENTION)].map((m) => m[1]!.toLowerCase()))].slice(0, 20);
}

/** Renders Markdown; the @handles of real members (`handles`) become links to their profiles. */
export function renderWithMentions(markdown: string, handles: string[]): string {
  const known = new Set(handles);
  const linked = markdown.replace(MENTION, (whole, handle: string) =>
    known.has(handle.toLowerCase()) ? `[@${handle.toLowerCase()}](/u/${handle.toLowerCase()})` : whole,
  );
  return renderMarkdown(linked);
}
