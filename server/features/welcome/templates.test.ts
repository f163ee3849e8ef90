import { mentionedHandles, renderWithMentions } from '../../core/markdown';
import { fillMarkdown, handleMarkdown, markdownText } from './templates';

// Names go into the bot's Markdown as text; the template around them stays Markdown.
describe('markdownText', () => {
  test.each([
    '[Verify account](https://evil.example/x) @host',
    '![pixel](https://evil.example/p.png)',
    'see evil.com or www.evil.com',
    'mail me: a@b.example',
    '<b>bold</b> *em* _em_ `code` ~~gone~~',
    '# heading',
    '1. a list',
    '- a list',
    '> a quote',
    '| a | table |',
    '&amp; &#64;host',
    'two\nlines',
  ])('when a name is %j, then it renders as exactly that text, with no link, image, markup or mention', (name) => {
    const markdown = `Hello ${markdownText(name)}`;
    const html = renderWithMentions(markdown, ['host']);
    expect(mentionedHandles(markdown)).toEqual([]);
    expect(html).not.toMatch(/<(a|img|b|em|strong|code|s|h1|ol|ul|li|blockquote|table)\b/);
    const text = html
      .replace(/^<p>|<\/p>\n$/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    expect(text).toBe(`Hello ${name.replace(/\n/g, ' ')}`);
  });

  test('when a name has apostrophes and commas, then they stay unescaped in the source', () => {
    expect(markdownText("Jo O'Neil, Esq")).toBe("Jo O'Neil, Esq");
  });
});

describe('fillMarkdown', () => {
  test('when a template is filled, then its own Markdown stays, text values are escaped and Markdown values are kept', () => {
    const out = fillMarkdown('Welcome **{name}** (@{handle}), see {guidelines} {unknown}', {
      text: { '{name}': '[x](https://evil.example)' },
      markdown: { '{handle}': handleMarkdown('nia_new'), '{guidelines}': '[the guidelines](https://hearth.example/guidelines)' },
    });
    const html = renderWithMentions(out, ['nia_new']);
    expect(html).toContain('<strong>[x](https://evil.example)</strong>');
    expect(html).toContain('href="/u/nia_new"');
    expect(html).toContain('<a href="https://hearth.example/guidelines"');
    expect(out).toContain('{unknown}');
  });

  test('when a handle is not a plain handle, then it goes in as text', () => {
    expect(handleMarkdown('nia_new')).toBe('nia_new');
    expect(handleMarkdown('x](y)')).toBe('x\\]\\(y\\)');
  });
});
