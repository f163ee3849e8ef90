// `npx tsx scripts/make-icons.ts`: the PNG icons of the installable client (decision 023), drawn
// from the SVGs in client/icons/ with sharp and committed under client/public/icons/, so a build
// needs no image tooling. Run again after changing an SVG.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const root = path.resolve(__dirname, '..');
const source = (name: string) => fs.readFileSync(path.join(root, 'client', 'icons', name));
const out = path.join(root, 'client', 'public', 'icons');

/** Each PNG: its SVG and its size. Maskable icons keep the flame inside the middle 80% (the safe zone). */
const icons: { file: string; svg: string; size: number }[] = [
  { file: 'icon-192.png', svg: 'icon.svg', size: 192 },
  { file: 'icon-512.png', svg: 'icon.svg', size: 512 },
  { file: 'maskable-192.png', svg: 'maskable.svg', size: 192 },
  { file: 'maskable-512.png', svg: 'maskable.svg', size: 512 },
  // iOS takes the home-screen icon from apple-touch-icon, not from the manifest.
  { file: 'apple-touch-icon.png', svg: 'maskable.svg', size: 180 },
  // The small monochrome icon Android shows in the status bar (only its alpha counts).
  { file: 'badge-96.png', svg: 'badge.svg', size: 96 },
];

async function main(): Promise<void> {
  fs.mkdirSync(out, { recursive: true });
  for (const icon of icons) {
    await sharp(source(icon.svg), { density: 300 })
      .resize(icon.size, icon.size)
      .png({ compressionLevel: 9, palette: true })
      .toFile(path.join(out, icon.file));
    process.stdout.write(`client/public/icons/${icon.file}\n`);
  }
}

void main();
