// Markdown as readable words, for the few texts that arrive as Markdown and are read as a line
// (live mention toasts, case excerpts stored before the server made them plain). The server's
// excerpts come from server/core/plain-text.ts; this is the same idea for the browser.

/**
 * The words of a short Markdown text without its markup.
 * @example plainText('**Hello** [world](https://x.org) `code`') // → 'Hello world code'
 */
export function plainText(markdown: string): string {
  return markdown
    .replace(/```[^\n]*\n?/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)/gm, '')
    .replace(/(\*\*|__|~~)(.+?)\1/g, '$2')
    .replace(/(^|[^\w*])[*_]([^*_\s][^*_]*?)[*_](?=[^\w*]|$)/g, '$1$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
