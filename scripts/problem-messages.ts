// Finds every sentence the server may say to a person in an error, so that test/problems-catalogue.test.ts
// can hold the English problems catalogue to them (docs/decisions/017-one-i18n-library.md, addendum):
// the messages of `new AppError(code, …)`, `AppError.notFound(…)` and `problem(…)`, the limits'
// `consume(…, …, message)`, every `message:` property (field errors, limiter options) and
// parameter defaults named `message` in server/, and the schemas' own messages in shared/
// (`.min(10, 'must be at least 10 characters')`, `.refine(…, { message })`).
// `npx tsx scripts/problem-messages.ts` lists those the catalogue lacks.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ProblemMessage {
  file: string;
  line: number;
  /** The sentence, or for a template literal its fixed parts with `\u0000` where a value goes. */
  text: string;
  template: boolean;
}

/** zod methods whose string arguments are messages for people. */
const ZOD_MESSAGE_METHODS = new Set(['min', 'max', 'length', 'regex', 'refine', 'superRefine', 'email', 'url', 'uuid', 'int', 'gt', 'gte', 'lt', 'lte', 'positive', 'nonnegative', 'nonempty', 'check']);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : tsFiles(full);
    return full.endsWith('.ts') && !full.endsWith('.test.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

/**
 * `const NAME = 'sentence'` (or `cond ? 'one' : 'other'`) anywhere in the scanned files, for sites
 * that name a sentence rather than write it in place: by file, and across files for exported
 * UPPER_CASE constants (a lower-case name elsewhere is another variable).
 */
const constants = new Map<string, Map<string, ts.Expression>>();
const sharedConstants = new Map<string, ts.Expression>();
let scanning = '';

const isSentences = (expression: ts.Expression): boolean =>
  ts.isStringLiteral(expression) ||
  ts.isNoSubstitutionTemplateLiteral(expression) ||
  (ts.isConditionalExpression(expression) && isSentences(expression.whenTrue) && isSentences(expression.whenFalse)) ||
  (ts.isParenthesizedExpression(expression) && isSentences(expression.expression));

function messagesOf(expression: ts.Expression | undefined, push: (node: ts.Node, text: string, template: boolean) => void): void {
  if (!expression) return;
  if (ts.isIdentifier(expression)) {
    const named = constants.get(scanning)?.get(expression.text) ?? sharedConstants.get(expression.text);
    if (named) messagesOf(named, (_node, text, template) => push(expression, text, template));
    return;
  }
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) push(expression, expression.text, false);
  else if (ts.isTemplateExpression(expression)) {
    push(expression, expression.head.text + expression.templateSpans.map((span) => `\u0000${span.literal.text}`).join(''), true);
  } else if (ts.isConditionalExpression(expression)) {
    messagesOf(expression.whenTrue, push);
    messagesOf(expression.whenFalse, push);
  } else if (ts.isParenthesizedExpression(expression)) messagesOf(expression.expression, push);
  else if (ts.isObjectLiteralExpression(expression)) {
    // zod's `{ message }` / `{ error }` options
    for (const property of expression.properties) {
      if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.name) && ['message', 'error'].includes(property.name.text)) messagesOf(property.initializer, push);
    }
  }
  // Anything else (a variable, a call to problem()) is found where its sentence is written.
}

const calleeName = (call: ts.CallExpression | ts.NewExpression): string | undefined => {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return `${ts.isIdentifier(callee.expression) ? callee.expression.text : '?'}.${callee.name.text}`;
  return undefined;
};

function parse(file: string): ts.SourceFile {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && isSentences(node.initializer)) {
      const own = constants.get(file) ?? new Map<string, ts.Expression>();
      own.set(node.name.text, node.initializer);
      constants.set(file, own);
      if (/^[A-Z][A-Z0-9_]*$/.test(node.name.text)) sharedConstants.set(node.name.text, node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return source;
}

function scan(source: ts.SourceFile, zodOnly: boolean): ProblemMessage[] {
  const file = source.fileName;
  scanning = file;
  const found: ProblemMessage[] = [];
  const push = (node: ts.Node, text: string, template: boolean) => {
    found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, text, template });
  };
  const visit = (node: ts.Node): void => {
    if (zodOnly) {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ZOD_MESSAGE_METHODS.has(node.expression.name.text)) {
        // `.regex(pattern, message)`, `.min(n, message)`, `.refine(check, message)`, `z.email(message)`
        for (const argument of node.arguments) if (!ts.isRegularExpressionLiteral(argument)) messagesOf(argument, push);
      }
    } else if (ts.isNewExpression(node) && calleeName(node) === 'AppError') messagesOf(node.arguments?.[1], push);
    else if (ts.isCallExpression(node)) {
      const name = calleeName(node);
      if (name === 'AppError.notFound' || name === 'problem') messagesOf(node.arguments[0], push);
      else if (name === 'consume') messagesOf(node.arguments[2], push);
    } else if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === 'message') messagesOf(node.initializer, push);
    else if (ts.isParameter(node) && ts.isIdentifier(node.name) && node.name.text === 'message') messagesOf(node.initializer, push);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every sentence an error may carry, found in the server's and the shared schemas' source. */
export function problemMessages(root: string): ProblemMessage[] {
  constants.clear();
  sharedConstants.clear();
  const server = tsFiles(path.join(root, 'server')).map(parse);
  const shared = tsFiles(path.join(root, 'shared')).map(parse);
  return [...server.flatMap((source) => scan(source, false)), ...shared.flatMap((source) => scan(source, true))];
}

const PLACEHOLDER = /\{\{[^}]*\}\}/g;

/**
 * Whether the catalogue has a message: a sentence by itself; a template literal by a catalogue
 * sentence of the same shape (`No such ${kind}` ~ 'No such {{kind}}') or, for a template over a
 * few known values, by one of them written out ('No such post').
 */
export function isCovered(message: ProblemMessage, keys: readonly string[]): boolean {
  if (!message.template) return keys.includes(message.text);
  const shape = message.text;
  if (keys.some((key) => key.replace(PLACEHOLDER, '\u0000') === shape)) return true;
  const pattern = new RegExp(`^${shape.split('\u0000').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`, 's');
  return keys.some((key) => !/\{\{[^}]*\}\}/.test(key) && pattern.test(key));
}

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const keys = Object.keys(JSON.parse(readFileSync(path.join(root, 'shared/i18n/en/problems.json'), 'utf8')) as Record<string, string>);
  const missing = problemMessages(root).filter((m) => !isCovered(m, keys));
  for (const m of missing) console.log(`${path.relative(root, m.file)}:${m.line} ${m.template ? '[template] ' : ''}${JSON.stringify(m.text.replaceAll('\u0000', '${…}'))}`);
  console.log(`${missing.length} missing`);
}
