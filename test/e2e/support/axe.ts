// axe-core in the browser for the experience audit (test/e2e/experience.e2e.ts), and the words a
// failure needs to be fixed at once: the rule, its impact, the page, the first elements' selectors
// and HTML, and the Svelte component that most likely renders them.
//
// Our CSP (`script-src 'self'`) refuses an injected script: the page's context must be opened with
// `bypassCSP: true` (docs: /work/shared/STACK-NOTES.md).
import fs from 'node:fs';
import path from 'node:path';
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { compile } from 'svelte/compiler';
import type { PageGlobals } from './in-page';

export type Impact = 'minor' | 'moderate' | 'serious' | 'critical';

export interface AxeNode {
  target: string[];
  html: string;
  /** axe's own summary of what to fix ("Fix any of the following: …"). */
  failureSummary: string;
}

export interface AxeViolation {
  id: string;
  impact: Impact | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

/** The impacts the audit fails on. */
export const failingImpacts: ReadonlySet<Impact> = new Set(['serious', 'critical']);

/** Runs axe-core (every rule, or only `rules`) on the whole document; answers every violation (filter with `failing`). */
export async function runAxe(page: Page, rules?: string[]): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in globalThis);
  if (!loaded) await page.addScriptTag({ content: axe.source });
  const violations = await page.evaluate(async (only) => {
    const runner = (globalThis as unknown as { axe: typeof axe }).axe;
    const options: axe.RunOptions = { resultTypes: ['violations'], ...(only ? { runOnly: { type: 'rule', values: only } } : {}) };
    const results = await runner.run((globalThis as unknown as PageGlobals).document as unknown as axe.ElementContext, options);
    return results.violations.map((v) => ({
      id: v.id,
      impact: (v.impact ?? null) as Impact | null,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), html: n.html, failureSummary: n.failureSummary ?? '' })),
    }));
  }, rules);
  return violations;
}

/** The violations that fail the audit. */
export function failing(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact !== null && failingImpacts.has(v.impact));
}

const clientRoot = path.resolve(__dirname, '../../../client/src');

let components: { file: string; source: string; hash: string | undefined }[] | undefined;

/** Every Svelte file of the client, with the scoped-CSS class the compiler gives its elements. */
function clientComponents(): { file: string; source: string; hash: string | undefined }[] {
  if (components) return components;
  const found: { file: string; source: string; hash: string | undefined }[] = [];
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.svelte')) {
        const source = fs.readFileSync(full, 'utf8');
        let hash: string | undefined;
        try {
          hash = compile(source, { filename: full, css: 'external' }).css?.code.match(/svelte-[a-z0-9]+/)?.[0];
        } catch {
          // A file that does not compile right now (someone is editing it) is still found by its words.
        }
        found.push({ file: path.relative(path.resolve(clientRoot, '../..'), full), source, hash });
      }
    }
  };
  visit(clientRoot);
  components = found;
  return found;
}

/**
 * The client files that most likely render an element, from its HTML or selector: the component
 * whose scoped-CSS class it carries, else the files naming its data-testid or its classes.
 */
export function likelyOwners(...snippets: string[]): string[] {
  const text = snippets.join(' ');
  const files = clientComponents();
  const hashes = new Set(text.match(/svelte-[a-z0-9]+/g) ?? []);
  const byHash = files.filter((f) => f.hash && hashes.has(f.hash)).map((f) => f.file);
  if (byHash.length > 0) return byHash;
  const testids = [...text.matchAll(/data-testid="([^"]+)"/g), ...text.matchAll(/\[data-testid="([^"]+)"\]/g)].map((m) => m[1]!);
  const classes = [...text.matchAll(/class="([^"]*)"/g)].flatMap((m) => m[1]!.split(/\s+/)).filter((c) => c && !c.startsWith('svelte-'));
  const scored = files
    .map((f) => {
      let score = 0;
      for (const id of testids) {
        if (f.source.includes(`data-testid="${id}"`)) score += 5;
        // Templated ids: data-testid="{testid}-send" renders "chat-composer-send".
        else if (/-/.test(id) && f.source.includes(`-${id.split('-').pop()}"`)) score += 1;
      }
      for (const c of classes) if (new RegExp(`\\.${c.replace(/[^\w-]/g, '')}\\b`).test(f.source)) score += 2;
      return { file: f.file, score };
    })
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score);
  return scored.slice(0, 2).map((s) => s.file);
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** One violation as lines a developer can act on (rule, impact, where, first elements). */
export function describeViolation(v: AxeViolation, where: string, maxNodes = 3): string {
  const lines = [`axe ${v.impact} ${v.id} on ${where}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'}) ${v.helpUrl}`];
  for (const node of v.nodes.slice(0, maxNodes)) {
    const owners = likelyOwners(node.html, node.target.join(' '));
    lines.push(`    ${node.target.join(' ')}  ${clip(node.html.replace(/\s+/g, ' '), 160)}${owners.length ? `  → ${owners.join(', ')}` : ''}`);
    const why = node.failureSummary.split('\n').slice(1, 2).join(' ').trim();
    if (why) lines.push(`      ${clip(why, 200)}`);
  }
  if (v.nodes.length > maxNodes) lines.push(`    … and ${v.nodes.length - maxNodes} more`);
  return lines.join('\n');
}
