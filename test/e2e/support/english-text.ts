// English left on a page shown in another language, for the experience audit's French walk: the
// sentences of the English catalogues (shared/i18n/en/*.json) that the other language translates
// differently, and English function words that no catalogue explains (text written into a
// component or sent by the server).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { PageGlobals } from './in-page';

const catalogueRoot = path.resolve(__dirname, '../../../shared/i18n');

/** Sentences shorter than this are too likely to be shared words (names, "OK", "Email"). */
const MIN_LENGTH = 13;

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (typeof value === 'string') out.set(prefix, value);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
}

function catalogue(locale: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of fs.readdirSync(path.join(catalogueRoot, locale)).filter((f) => f.endsWith('.json'))) {
    const namespace = path.basename(file, '.json');
    flatten(JSON.parse(fs.readFileSync(path.join(catalogueRoot, locale, file), 'utf8')), `${namespace}:`, out);
  }
  // "ns:" + "a.b" was joined as "ns:.a.b"
  return new Map([...out].map(([k, v]) => [k.replace(':.', ':'), v]));
}

export interface EnglishSentence {
  key: string;
  text: string;
}

/**
 * The English catalogue's sentences (the literal parts between placeholders and tags, at least
 * 13 characters) whose key reads differently in `locale`.
 */
export function englishSentences(locale: string): EnglishSentence[] {
  const english = catalogue('en');
  const other = catalogue(locale);
  const found: EnglishSentence[] = [];
  for (const [key, value] of english) {
    const translated = other.get(key);
    if (translated === undefined || translated === value) continue;
    for (const part of value.split(/\{\{[^}]*\}\}|\$t\([^)]*\)|<[^>]*>/)) {
      const text = part.replace(/\s+/g, ' ').trim();
      if (text.length >= MIN_LENGTH && !translated.includes(text)) found.push({ key, text });
    }
  }
  return found;
}

/** Everything a person reads or hears on the page: its text and its labels, titles, placeholders and alt texts. */
export async function pageWords(page: Page): Promise<string> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    const labels: string[] = [];
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt], [aria-description]')) {
      for (const attribute of ['aria-label', 'title', 'placeholder', 'alt', 'aria-description']) {
        const value = el.getAttribute(attribute);
        if (value) labels.push(value);
      }
    }
    return [document.title, document.body.innerText, ...labels].join('\n').replace(/[ \t\u00a0]+/g, ' ');
  });
}

/** English words that French text does not contain (not "or", "me", "as", "an", "us", "in", which it does). */
const englishWords = /\b(the|and|you|your|with|this|that|from|have|has|are|was|were|will|please|here|there|what|when|who|which|for|not|can|cannot|been|into|about|yet|any|only|its|our|their|they|them|these|those|would|could|should|is|it|of|to|at|by|be|if|my|we|does|did)\b/gi;

/** Lines of the page's words with two or more different English words: English that no catalogue explains. */
export function englishLines(words: string): string[] {
  const lines: string[] = [];
  for (const line of words.split('\n')) {
    const distinct = new Set((line.match(englishWords) ?? []).map((w) => w.toLowerCase()));
    if (distinct.size >= 2) lines.push(line.trim());
  }
  return [...new Set(lines)];
}

/** The English sentences found in the page's words. */
export function englishLeft(words: string, sentences: EnglishSentence[]): EnglishSentence[] {
  const seen = new Set<string>();
  return sentences.filter((s) => {
    if (seen.has(s.text) || !words.includes(s.text)) return false;
    seen.add(s.text);
    return true;
  });
}

const sourceRoots = ['client/src', 'server', 'shared'].map((dir) => path.resolve(__dirname, '../../..', dir));
let sources: { file: string; text: string }[] | undefined;

function sourceFiles(): { file: string; text: string }[] {
  if (sources) return sources;
  const found: { file: string; text: string }[] = [];
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist' && entry.name !== 'migrations' && entry.name !== 'i18n') visit(full);
      } else if (/\.(svelte|ts)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        found.push({ file: path.relative(path.resolve(__dirname, '../../..'), full), text: fs.readFileSync(full, 'utf8') });
      }
    }
  };
  for (const root of sourceRoots) visit(root);
  sources = found;
  return found;
}

/**
 * The source files (not catalogues) that most likely write an English line: those containing the
 * longest run of its words (at least three; names people chose are not in the sources).
 */
export function writtenIn(line: string): string[] {
  const words = line.split(/\s+/).filter(Boolean);
  for (let size = Math.min(words.length, 6); size >= 3; size -= 1) {
    for (let start = 0; start + size <= words.length; start += 1) {
      const phrase = words.slice(start, start + size).join(' ');
      const files = sourceFiles()
        .filter((f) => f.text.includes(phrase))
        .map((f) => f.file);
      if (files.length > 0) return files.slice(0, 3);
    }
  }
  return [];
}
