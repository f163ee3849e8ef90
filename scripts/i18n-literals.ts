// Finds words written straight into Svelte markup instead of coming from a message catalogue:
// text between tags, and the attributes people read (aria-label, title, placeholder, alt…).
// `npx tsx scripts/i18n-literals.ts [files…]` lists them (all of client/src by default);
// test/i18n.test.ts fails on any.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'svelte/compiler';

/** Attributes whose text a person reads or hears. */
const spokenAttributes = new Set(['aria-label', 'aria-description', 'aria-roledescription', 'aria-placeholder', 'aria-valuetext', 'title', 'placeholder', 'alt', 'label']);

/** A letter in any script: text without one (punctuation, "·", "@", numbers) needs no translation. */
const letter = /\p{L}/u;

export interface Literal {
  file: string;
  line: number;
  text: string;
}

interface Node {
  type?: string;
  name?: string;
  data?: string;
  start?: number;
  value?: unknown;
  [key: string]: unknown;
}

export function literalsIn(file: string): Literal[] {
  const source = readFileSync(file, 'utf8');
  const ast = parse(source, { modern: true }) as unknown as { fragment: Node };
  const found: Literal[] = [];
  const lineOf = (offset: number) => source.slice(0, offset).split('\n').length;
  const report = (node: Node) => {
    const text = (node.data ?? '').trim();
    if (text && letter.test(text)) found.push({ file, line: lineOf(node.start ?? 0), text: text.replace(/\s+/g, ' ').slice(0, 80) });
  };
  const walk = (value: unknown, inStyleOrScript = false): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, inStyleOrScript);
      return;
    }
    const node = value as Node;
    if (node.type === 'Attribute') {
      if (spokenAttributes.has(node.name ?? '') && Array.isArray(node.value)) {
        for (const part of node.value as Node[]) if (part.type === 'Text') report(part);
      }
      return;
    }
    // Expressions are code (their strings are checked by the type-checked keys of `t`), not markup.
    if (node.type === 'ExpressionTag' || node.type === 'StyleSheet' || node.type === 'Script') return;
    if (node.type === 'RegularElement' && (node.name === 'style' || node.name === 'script')) return;
    if (node.type === 'Text') {
      report(node);
      return;
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === 'expression' || key === 'metadata' || key === 'context' || key === 'test' || key === 'key') continue;
      walk(child, inStyleOrScript);
    }
  };
  walk(ast.fragment);
  return found;
}

export function svelteFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return svelteFiles(full);
    return full.endsWith('.svelte') ? [full] : [];
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : svelteFiles(path.join(__dirname, '..', 'client', 'src'));
  const all = files.flatMap((file) => literalsIn(file));
  for (const literal of all) console.log(`${path.relative(process.cwd(), literal.file)}:${literal.line}  ${literal.text}`);
  console.log(`${all.length} literal(s) in ${files.length} file(s)`);
  process.exitCode = all.length ? 1 : 0;
}
