// The preview of Markdown before it is sent (guidelines, posts, comments). Loaded on demand, so
// only members who open a preview download it. Raw HTML is not rendered (html: false) and links
// may only be web, mail or relative addresses, so the preview cannot run script; what everyone
// sees afterwards is the server's sanitised rendering.
type Render = (markdown: string) => string;

let loading: Promise<Render> | undefined;

/**
 * Whether a link target may be shown as a link: no scheme (relative), or http, https, mailto.
 * @example isSafeLink('javascript:alert(1)') // → false
 */
export function isSafeLink(url: string): boolean {
  // Browsers ignore tabs, newlines and leading control characters and spaces in a URL's scheme.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const compact = url.replace(/[\u0000-\u0020\u007f]/g, '').toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(compact)?.[1];
  if (scheme === undefined) return !compact.startsWith('//') && !compact.startsWith('\\\\');
  return scheme === 'http' || scheme === 'https' || scheme === 'mailto';
}

export function loadMarkdown(): Promise<Render> {
  loading ??= import('markdown-it').then(({ default: MarkdownIt }) => {
    // The same options as the server's renderer (server/core/markdown.ts): a single newline is a line break.
    const md = new MarkdownIt({ html: false, linkify: true, typographer: true, breaks: true });
    md.validateLink = isSafeLink;
    return (markdown: string) => md.render(markdown);
  });
  return loading;
}
