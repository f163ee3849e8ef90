// The admin's preview of guidelines before publishing. Loaded on demand, so only admins who open
// the editor download it. Raw HTML is not rendered (html: false) and markdown-it refuses
// javascript:/data: links, so the preview cannot run script; the server renders the published text.
type Render = (markdown: string) => string;

let loading: Promise<Render> | undefined;

export function loadMarkdown(): Promise<Render> {
  loading ??= import('markdown-it').then(({ default: MarkdownIt }) => {
    const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
    return (markdown: string) => md.render(markdown);
  });
  return loading;
}
