import { excerptText, plainTextOf, queryWords, shorten, snippetAround } from './plain-text';

describe('plain text of Markdown', () => {
  it('when a text has emphasis, links and inline code, then only their words remain', () => {
    expect(plainTextOf('**Hello** _there_, see [the rules](https://example.org/rules) and `npm test`')).toBe('Hello there, see the rules and npm test');
  });

  it('when a text has headings, lists, quotes and a code fence, then the blocks become words separated by spaces', () => {
    const markdown = '# Meeting\n\n- first item\n- second item\n\n> quoted line\n\n```\nconst x = 1;\n```\n\n1. one';
    expect(plainTextOf(markdown)).toBe('Meeting first item second item quoted line const x = 1; one');
  });

  it('when a text has an image, line breaks and a mention, then the alt text and the @handle stay', () => {
    expect(plainTextOf('Look ![a red fox](/fox.png)\nby @ann  \nnew line')).toBe('Look a red fox by @ann new line');
  });

  it('when a text has HTML-looking markup or entities, then they read as the member wrote them, not as markup', () => {
    expect(plainTextOf('a <b>bold</b> &amp; claim')).toBe('a <b>bold</b> & claim');
  });

  it('when a text is longer than the limit, then it is cut after a whole word with an ellipsis', () => {
    expect(shorten('one two three four five', 12)).toBe('one two…');
    expect(shorten('short', 12)).toBe('short');
    expect([...excerptText('word '.repeat(100))].length).toBeLessThanOrEqual(140);
    expect(excerptText('**Done** ' + 'x'.repeat(10))).toBe('Done xxxxxxxxxx');
  });

  it('when a limit falls inside a character outside the BMP, then no half of it is left', () => {
    expect(shorten('😀😀😀😀😀😀', 4)).toBe('😀😀😀…');
  });
});

describe('search words and snippets', () => {
  it('when a query has punctuation and repeated or capitalised words, then its words are the letters and digits, lower-cased, once', () => {
    expect(queryWords('Spade & "spade" -café, 2024!')).toEqual(['spade', 'café', '2024']);
    expect(queryWords('ça va? مرحبا بكم')).toEqual(['ça', 'va', 'مرحبا', 'بكم']);
    expect(queryWords('!!! ***')).toEqual([]);
  });

  it('when a word of the text starts with a query word, then the snippet wraps it and shows the words around it', () => {
    expect(snippetAround('I play spades on Sundays', ['spade'], 3)).toBe('…play «spades» on…');
    expect(snippetAround('Spades, hearts', ['spade'])).toBe('«Spades,» hearts');
  });

  it('when nothing matches, then the snippet is the start of the text', () => {
    expect(snippetAround('a b c d e', ['zzz'], 2)).toBe('a b…');
  });
});
