// Every language has every message, with the same placeholders and its own plural forms, and no
// words are written straight into the client's markup (docs/decisions/017-one-i18n-library.md).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { clientNamespaces, defaultLocale, locales, serverNamespaces } from '../shared/i18n/locales';
import { literalsIn, svelteFiles } from '../scripts/i18n-literals';

const root = path.join(__dirname, '..');
const cataloguePath = (locale: string, namespace: string) => path.join(root, 'shared', 'i18n', locale, `${namespace}.json`);
const namespaces = [...new Set([...clientNamespaces, ...serverNamespaces])];

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(full, value);
    else for (const [k, v] of flatten(value, full)) out.set(k, v);
  }
  return out;
}

const pluralSuffix = /_(zero|one|two|few|many|other)$/;

/** Keys with plural forms folded to their base (`n_one`, `n_other` → `n`), each with its forms. */
function messages(locale: string, namespace: string): { plain: Map<string, string>; plural: Map<string, Map<string, string>> } {
  const flat = flatten(JSON.parse(readFileSync(cataloguePath(locale, namespace), 'utf8')) as Tree);
  const plain = new Map<string, string>();
  const plural = new Map<string, Map<string, string>>();
  for (const [key, value] of flat) {
    const match = pluralSuffix.exec(key);
    if (!match) {
      plain.set(key, value);
      continue;
    }
    const base = key.slice(0, match.index);
    const forms = plural.get(base) ?? new Map<string, string>();
    forms.set(match[1] as string, value);
    plural.set(base, forms);
  }
  return { plain, plural };
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  it('has one catalogue file per language and namespace, and no other', () => {
    for (const locale of locales) {
      const files = readdirSync(path.join(root, 'shared', 'i18n', locale)).sort();
      expect(files).toEqual(namespaces.map((ns) => `${ns}.json`).sort());
    }
  });

  for (const locale of locales.filter((l) => l !== defaultLocale)) {
    for (const namespace of namespaces) {
      it(`${locale}/${namespace} has exactly the English keys, the same placeholders and every plural form of ${locale}`, () => {
        const source = messages(defaultLocale, namespace);
        const target = messages(locale, namespace);
        expect([...target.plain.keys()].sort()).toEqual([...source.plain.keys()].sort());
        expect([...target.plural.keys()].sort()).toEqual([...source.plural.keys()].sort());
        for (const [key, text] of source.plain) {
          expect({ key, placeholders: placeholders(target.plain.get(key) ?? '') }).toEqual({ key, placeholders: placeholders(text) });
        }
        const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories.sort();
        for (const [base, forms] of target.plural) {
          expect({ key: base, forms: [...forms.keys()].sort() }).toEqual({ key: base, forms: [...categories] });
          const expected = new Set([...(source.plural.get(base)?.values() ?? [])].flatMap(placeholders));
          for (const text of forms.values()) {
            // A form may leave out {{count}} ("one message"), never use a placeholder English lacks.
            for (const name of placeholders(text)) expect({ key: base, name, known: expected.has(name) || name === 'count' }).toEqual({ key: base, name, known: true });
          }
        }
      });
    }
  }

  it('gives English the one and other form of every plural', () => {
    for (const namespace of namespaces) {
      for (const [base, forms] of messages(defaultLocale, namespace).plural) {
        expect({ key: `${namespace}:${base}`, forms: [...forms.keys()].sort() }).toEqual({ key: `${namespace}:${base}`, forms: ['one', 'other'] });
      }
    }
  });

  it('leaves no message empty', () => {
    for (const locale of locales) {
      for (const namespace of namespaces) {
        for (const [key, text] of flatten(JSON.parse(readFileSync(cataloguePath(locale, namespace), 'utf8')) as Tree)) {
          expect({ key: `${locale}/${namespace}:${key}`, empty: text.trim() === '' }).toEqual({ key: `${locale}/${namespace}:${key}`, empty: false });
        }
      }
    }
  });
});

describe('the client markup', () => {
  it('writes no words of its own: every text and spoken attribute comes from t()', () => {
    const literals = svelteFiles(path.join(root, 'client', 'src')).flatMap((file) => literalsIn(file));
    expect(literals.map((l) => `${path.relative(root, l.file)}:${l.line} ${l.text}`)).toEqual([]);
  });
});
