/**
 * Up to two capital letters standing for a name, when there is no picture.
 * @example initialsOf('Riverside gardeners club') // → 'RG'
 */
export function initialsOf(name: string): string {
  return (
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((word) => [...word][0]?.toUpperCase() ?? '')
      .join('') || '?'
  );
}

/**
 * Backgrounds for generated avatars, one per hue step of 30°, each dark enough for white initials
 * to reach 4.5:1 (WCAG AA for text; test/shell-contrast.test.ts checks every one). A hue with a
 * fixed lightness cannot do that: yellows and greens at the lightness of a blue are far too pale.
 */
export const avatarColours = [
  '#c0392f',
  '#9b6734',
  '#737326',
  '#527a29',
  '#2c802c',
  '#2a7f55',
  '#287a7a',
  '#3b72ab',
  '#5c5cc7',
  '#8a52c2',
  '#ae3aae',
  '#bd407f',
] as const;

/**
 * The same name always gets the same colour.
 * @example avatarColour('Ada Lovelace') // → one of avatarColours
 */
export function avatarColour(name: string): string {
  const hash = [...name].reduce((sum, char) => (sum * 31 + (char.codePointAt(0) ?? 0)) % 1_000_003, 7);
  return avatarColours[hash % avatarColours.length] as string;
}

/**
 * Contrast ratio of two `#rrggbb` colours (WCAG 2 relative luminance), from 1 to 21.
 * @example contrastRatio('#ffffff', '#000000') // → 21
 */
export function contrastRatio(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

function luminance(hex: string): number {
  const match = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!match?.[1]) throw new Error(`not a #rrggbb colour: ${hex}`);
  const value = Number.parseInt(match[1], 16);
  const [r, g, b] = [(value >> 16) & 255, (value >> 8) & 255, value & 255].map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Black or white, whichever reads better on a `#rrggbb` background (WCAG relative luminance).
 * @example readableOn('#c2410c') // → '#ffffff'
 */
export function readableOn(hex: string): '#000000' | '#ffffff' {
  if (!/^#[0-9a-f]{6}$/i.test(hex)) return '#ffffff';
  return contrastRatio(hex, '#000000') > contrastRatio(hex, '#ffffff') ? '#000000' : '#ffffff';
}
