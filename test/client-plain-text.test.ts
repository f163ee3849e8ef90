import { plainText } from '../client/src/lib/plain-text';

describe('plain text in the browser', () => {
  it('when a live excerpt has emphasis, links, code and a heading, then only the words remain', () => {
    expect(plainText('# Hi\n**Hello** _there_ [the rules](https://x.org) and `npm test` ~~old~~')).toBe('Hi Hello there the rules and npm test old');
  });

  it('when it has a list, a quote and an image, then their words remain, and snake_case and 2*3 are left alone', () => {
    expect(plainText('- one\n> quoted\n![a fox](/f.png) snake_case_name 2*3*4')).toBe('one quoted a fox snake_case_name 2*3*4');
  });
});
