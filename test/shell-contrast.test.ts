// Every text colour the global stylesheet defines reads on every background it defines, in the
// light and the dark theme, and white initials read on every generated avatar colour (WCAG AA: 4.5:1).
import fs from 'node:fs';
import path from 'node:path';
import { avatarColour, avatarColours, contrastRatio, readableOn } from '../client/src/lib/initials';

const css = fs.readFileSync(path.join(__dirname, '..', 'client', 'src', 'app.css'), 'utf8');

/** The custom properties set in the first `:root { … }` after `from` in app.css. */
function rootVariables(from: number): Map<string, string> {
  const start = css.indexOf(':root {', from);
  const end = css.indexOf('}', start);
  if (start === -1 || end === -1) throw new Error('no :root block found in app.css');
  return new Map([...css.slice(start, end).matchAll(/(--[\w-]+):\s*(#[0-9a-f]{6})\s*;/gi)].map((m) => [m[1] as string, (m[2] as string).toLowerCase()]));
}

const light = rootVariables(0);
const darkAt = css.indexOf('@media (prefers-color-scheme: dark)');
// The dark theme overrides some colours and keeps the others.
const dark = new Map([...light, ...rootVariables(darkAt)]);

const texts = ['--text', '--text-2', '--text-3', '--accent', '--danger'];
const backgrounds = ['--bg', '--surface', '--surface-2', '--info-bg', '--danger-bg'];

describe('colour contrast of the global stylesheet', () => {
  test('app.css defines every colour in both themes', () => {
    expect(darkAt).toBeGreaterThan(0);
    for (const name of [...texts, ...backgrounds, '--on-accent']) {
      expect(light.get(name)).toMatch(/^#[0-9a-f]{6}$/);
      expect(dark.get(name)).toMatch(/^#[0-9a-f]{6}$/);
    }
  });

  for (const [theme, colours] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    test(`in the ${theme} theme, every text colour reaches 4.5:1 on every background, and --on-accent on --accent`, () => {
      const failing: string[] = [];
      const check = (fg: string, bg: string) => {
        const ratio = contrastRatio(colours.get(fg) as string, colours.get(bg) as string);
        if (ratio < 4.5) failing.push(`${fg} on ${bg}: ${ratio.toFixed(2)}:1`);
      };
      for (const fg of texts) for (const bg of backgrounds) check(fg, bg);
      check('--on-accent', '--accent');

      expect(failing).toEqual([]);
    });
  }
});

describe('generated avatar colours', () => {
  test('white initials reach 4.5:1 on every avatar colour', () => {
    const failing = avatarColours.filter((colour) => contrastRatio('#ffffff', colour) < 4.5);

    expect(failing).toEqual([]);
  });

  test('a name always gets the same colour from the palette, and names spread over it', () => {
    const names = Array.from({ length: 200 }, (_, i) => `Member ${i} ${String.fromCodePoint(0x410 + (i % 40))}`);
    const colours = names.map(avatarColour);

    expect(names.map(avatarColour)).toEqual(colours);
    expect(colours.every((colour) => (avatarColours as readonly string[]).includes(colour))).toBe(true);
    expect(new Set(colours).size).toBe(avatarColours.length);
  });

  test('readableOn picks the text colour with the higher contrast', () => {
    expect(readableOn('#b33c0b')).toBe('#ffffff');
    expect(readableOn('#f1ece4')).toBe('#000000');
    expect(readableOn('#9b983b')).toBe('#000000');
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
  });
});
