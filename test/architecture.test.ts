import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// The module boundaries of issue #11, read from the import graph itself: a feature reaches another
// one only through its public face (never its repository or its Drizzle schema, foreign keys
// between schemas aside), server/core knows no feature, and no module waits on itself through a
// cycle. eslint.config.mjs refuses the first two while editing; this test also sees cycles.

const ROOT = path.resolve(__dirname, '..');

/** Files by repository-relative path (forward slashes), each with the files it imports. */
type ImportGraph = Map<string, Set<string>>;

const SOURCE_ROOTS = ['server', 'shared', 'client/src'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'migrations']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...sourceFiles(rel));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(rel);
    }
  }
  return out;
}

/** The file a relative specifier names, as TypeScript and Vite would find it; undefined for a package or a component. */
function resolveSpecifier(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const stem = base.replace(/\.js$/, '');
  return [base, `${stem}.ts`, `${base}.ts`, `${base}/index.ts`].find((candidate) => files.has(candidate));
}

/** Every import, export-from, type-only import and dynamic import of every .ts file under the source roots. */
function buildImportGraph(): ImportGraph {
  const files = SOURCE_ROOTS.filter((dir) => fs.existsSync(path.join(ROOT, dir))).flatMap(sourceFiles);
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    const targets = new Set<string>();
    for (const imported of importedFiles) {
      const target = resolveSpecifier(file, imported.fileName, known);
      if (target) targets.add(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

const FEATURE_FILE = /^server\/features\/([^/]+)\//;
const featureOf = (file: string): string | undefined => FEATURE_FILE.exec(file)?.[1];
const isTest = (file: string): boolean => /\.test\.ts$/.test(file);
const isRepository = (file: string): boolean => /\.repository\.ts$/.test(file);
const isSchema = (file: string): boolean => /\.schema\.ts$/.test(file);

/** The one core file that may name features: it gathers every table for Drizzle and drizzle-kit. */
const SCHEMA_AGGREGATOR = 'server/core/db/schema.ts';

/** "a → b" lines for each import of another feature's repository or schema (a schema may name another schema). */
function foreignPrivateImports(graph: ImportGraph): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    const feature = featureOf(file);
    if (!feature) continue;
    for (const target of targets) {
      const other = featureOf(target);
      if (!other || other === feature) continue;
      if (isRepository(target) || (isSchema(target) && !isSchema(file))) found.push(`${file} → ${target}`);
    }
  }
  return found.sort();
}

/** "a → b" lines for each import of a feature by server/core (the aggregator and tests excepted). */
function coreImportsOfFeatures(graph: ImportGraph): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    if (!file.startsWith('server/core/') || file === SCHEMA_AGGREGATOR || isTest(file)) continue;
    for (const target of targets) if (featureOf(target)) found.push(`${file} → ${target}`);
  }
  return found.sort();
}

/**
 * One cycle per strongly connected component of more than one file (or a file importing itself),
 * each written as the path "a → b → … → a", shortest first from the component's first file.
 */
function importCycles(graph: ImportGraph): string[] {
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const successors = (file: string) => [...(graph.get(file) ?? [])].filter((t) => graph.has(t)).sort();
  for (const start of [...graph.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { file: string; children: string[]; at: number }[] = [];
    const enter = (file: string) => {
      index.set(file, next);
      low.set(file, next);
      next++;
      stack.push(file);
      onStack.add(file);
      work.push({ file, children: successors(file), at: 0 });
    };
    enter(start);
    for (let frame = work.at(-1); frame; frame = work.at(-1)) {
      const child = frame.children[frame.at++];
      if (child !== undefined) {
        if (!index.has(child)) enter(child);
        else if (onStack.has(child)) low.set(frame.file, Math.min(low.get(frame.file)!, index.get(child)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.file, Math.min(low.get(parent.file)!, low.get(frame.file)!));
      if (low.get(frame.file) === index.get(frame.file)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.file);
        if (component.length > 1 || graph.get(frame.file)?.has(frame.file)) components.push(component.sort());
      }
    }
  }
  return components.map((component) => shortestCycle(graph, component[0]!, new Set(component))).sort();
}

/** The shortest way from `start` back to itself inside its component (breadth first). */
function shortestCycle(graph: ImportGraph, start: string, within: ReadonlySet<string>): string {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const target of [...(graph.get(file) ?? [])].sort()) {
      if (!within.has(target)) continue;
      if (target === start) {
        const trail = [file];
        for (let first = file; first !== start; first = cameFrom.get(first)!) trail.unshift(cameFrom.get(first)!);
        return [...trail, start].join(' → ');
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, file);
        queue.push(target);
      }
    }
  }
  return start;
}

describe('module boundaries of the import graph', () => {
  const graph = buildImportGraph();
  const server = new Map([...graph].filter(([file]) => file.startsWith('server/') || file.startsWith('shared/')));

  it('reads the whole source tree', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('server/app.ts')?.has('server/core/module.ts')).toBe(true);
    // The client names its rune modules without the .ts (`./forms.svelte`): those edges must resolve too.
    expect([...graph.values()].some((targets) => [...targets].some((t) => t.startsWith('client/src/') && t.endsWith('.svelte.ts')))).toBe(true);
  });

  it('when a feature needs another one, then it imports neither its repository nor its schema (schemas may name schemas)', () => {
    expect(foreignPrivateImports(graph)).toEqual([]);
  });

  it('when server/core is read, then it imports no feature (the Drizzle schema aggregator and tests aside)', () => {
    expect(coreImportsOfFeatures(graph)).toEqual([]);
  });

  it('when server/ and shared/ are read, then no file reaches itself through its imports', () => {
    expect(importCycles(server)).toEqual([]);
  });

  it('when client/src is read, then no file reaches itself through its imports', () => {
    const client = new Map([...graph].filter(([file]) => file.startsWith('client/src/')));
    expect(importCycles(client)).toEqual([]);
  });
});

describe('the boundary checks themselves', () => {
  const graphOf = (edges: Record<string, string[]>): ImportGraph => {
    const graph: ImportGraph = new Map();
    for (const [file, targets] of Object.entries(edges)) {
      graph.set(file, new Set(targets));
      for (const target of targets) if (!graph.has(target)) graph.set(target, new Set());
    }
    return graph;
  };

  it('when a feature imports another feature repository or schema, then the check names the import', () => {
    const graph = graphOf({
      'server/features/chat/chat.service.ts': ['server/features/site/site.repository.ts', 'server/features/chat/chat.repository.ts'],
      'server/features/chat/chat.routes.ts': ['server/features/spaces/spaces.schema.ts', 'server/features/spaces/spaces.service.ts'],
      'server/features/chat/chat.schema.ts': ['server/features/accounts/accounts.schema.ts'],
    });
    expect(foreignPrivateImports(graph)).toEqual([
      'server/features/chat/chat.routes.ts → server/features/spaces/spaces.schema.ts',
      'server/features/chat/chat.service.ts → server/features/site/site.repository.ts',
    ]);
  });

  it('when core imports a feature, then the check names it, but not for the aggregator or a test', () => {
    const graph = graphOf({
      'server/core/realtime/realtime.ts': ['server/features/accounts/actor.ts', 'server/core/logger.ts'],
      'server/core/db/schema.ts': ['server/features/chat/chat.schema.ts'],
      'server/core/db/database.test.ts': ['server/features/site/site.repository.ts'],
    });
    expect(coreImportsOfFeatures(graph)).toEqual(['server/core/realtime/realtime.ts → server/features/accounts/actor.ts']);
  });

  it('when files import each other in a ring, then the check writes the ring as a path', () => {
    const graph = graphOf({
      'a.ts': ['b.ts'],
      'b.ts': ['c.ts', 'd.ts'],
      'c.ts': ['a.ts'],
      'd.ts': [],
      'e.ts': ['e.ts'],
      'f.ts': ['g.ts'],
      'g.ts': ['f.ts'],
    });
    expect(importCycles(graph)).toEqual(['a.ts → b.ts → c.ts → a.ts', 'e.ts → e.ts', 'f.ts → g.ts → f.ts']);
    expect(importCycles(graphOf({ 'a.ts': ['b.ts'], 'b.ts': ['c.ts'] }))).toEqual([]);
  });
});
