import { loadMarkdown } from '../../client/src/lib/markdown';
import { renderMarkdown, renderWithMentions } from './markdown';

// What members write line by line (Shift+Enter in chat, Enter in a post) keeps its lines.
describe('renderMarkdown line breaks', () => {
  test('when a text has a single newline between two lines, then it renders as one paragraph with a <br> between them', () => {
    expect(renderMarkdown('first line\nsecond line')).toBe('<p>first line<br />\nsecond line</p>\n');
  });

  test('when a text has a blank line between two lines, then they are two paragraphs without a <br>', () => {
    expect(renderMarkdown('first\n\nsecond')).toBe('<p>first</p>\n<p>second</p>\n');
  });

  test('when a line ends with Windows line endings, then the break is kept the same way', () => {
    expect(renderMarkdown('one\r\ntwo')).toBe('<p>one<br />\ntwo</p>\n');
  });

  test('when lines are inside a fenced code block, then they stay newlines in <pre>, not <br>', () => {
    const html = renderMarkdown('```\na\nb\n```');
    expect(html).toBe('<pre><code>a\nb\n</code></pre>\n');
  });

  test('when a post body with mentions has a newline, then the break is kept next to the mention link', () => {
    const html = renderWithMentions('Thanks @bea_arthur\nsee you **soon**', ['bea_arthur']);
    expect(html).toBe('<p>Thanks <a href="/u/bea_arthur" rel="nofollow noopener noreferrer">@bea_arthur</a><br />\nsee you <strong>soon</strong></p>\n');
  });

  test('when a list item and a quote span two lines, then each keeps its line break', () => {
    expect(renderMarkdown('- one\n  more')).toBe('<ul>\n<li>one<br />\nmore</li>\n</ul>\n');
    expect(renderMarkdown('> quoted\n> again')).toBe('<blockquote>\n<p>quoted<br />\nagain</p>\n</blockquote>\n');
  });
});

// The preview a member sees before sending must break lines as the stored rendering does.
describe('the client preview and the server renderer', () => {
  test.each(['first line\nsecond line', 'a **bold**\n*italic* line\n\nnext paragraph', '- one\n  more\n- two', '> quoted\n> again', '```\na\nb\n```'])(
    'when %j is previewed and stored, then both have the same line breaks',
    async (markdown) => {
      const preview = (await loadMarkdown())(markdown);
      // The sanitiser writes void elements as `<br />`, markdown-it as `<br>`: the same element.
      expect(preview).toBe(renderMarkdown(markdown).replaceAll('<br />', '<br>'));
    },
  );
});
