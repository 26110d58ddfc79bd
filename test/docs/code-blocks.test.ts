/**
 * Docs as tests: every JavaScript and TypeScript code block of README.md and docs/
 * (not docs/api/) runs as written, as a standalone ES module, against the package as
 * users get it.
 *
 * - Each block is written under `.tmp/docs/` (git-ignored, inside the repository), so
 *   `import ... from 'tapemeasure'` and `'tapemeasure/express'` resolve through the
 *   package's own "exports" to `dist/` (Node.js package self-reference); `dist/` is built
 *   first unless fresh.
 * - TypeScript blocks are type-checked together, as one program with a strict user's
 *   settings, then their JavaScript runs.
 * - Each block runs in its own Node.js process, two at a time, and must exit 0 within
 *   {@link TIMEOUT_MS} (so a server it starts must be closed) with no unhandled rejection.
 * - Other fences (`sh`, `json`, `text`, ...) are not run; a block preceded by
 *   `<!-- not-run: reason -->` on the line just before its fence is skipped, and listed.
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDist, ROOT } from './build-dist.js';
import { extractBlocks, type CodeBlock, type MarkdownProblem } from './extract.js';
import { ModuleRunner, type RunResult } from './run-module.js';
import { typecheckAndEmit, type Diagnostic } from './typecheck.js';

/** The deadline of one block, in milliseconds. */
const TIMEOUT_MS = 20_000;
/** How many blocks run at once (the CI machine has 2 cores). */
const CONCURRENCY = 2;
const OUT = join(ROOT, '.tmp', 'docs');

function markdownFiles(): string[] {
  const found = [join(ROOT, 'README.md')];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join(ROOT, 'docs', 'api')) walk(path);
      } else if (entry.name.endsWith('.md')) {
        found.push(path);
      }
    }
  };
  walk(join(ROOT, 'docs'));
  return found.sort();
}

const blocks: CodeBlock[] = [];
const problems: MarkdownProblem[] = [];
for (const path of markdownFiles()) {
  const found = extractBlocks(relative(ROOT, path), readFileSync(path, 'utf8'));
  blocks.push(...found.blocks);
  problems.push(...found.problems);
}
const runnable = blocks.filter((b) => b.kind !== 'other' && b.notRun === undefined);
const skipped = blocks.filter((b) => b.kind !== 'other' && b.notRun !== undefined);

const label = (b: CodeBlock): string => `${b.file}:${b.line}`;
/** `docs/http.md` line 43 → `.tmp/docs/docs-http.md-L43.ts`. */
const sourceOf = (b: CodeBlock): string =>
  join(OUT, `${b.file.replaceAll('/', '-')}-L${b.line}.${b.kind === 'ts' ? 'ts' : 'mjs'}`);
const moduleOf = (b: CodeBlock): string => sourceOf(b).replace(/\.ts$/, '.js');

/** Each block's outcome; filled in beforeAll, awaited by each block's test. */
const outcomes = new Map<CodeBlock, Promise<{ diagnostics: Diagnostic[]; run: RunResult }>>();

beforeAll(async () => {
  await ensureDist();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  for (const b of runnable) writeFileSync(sourceOf(b), b.code);
  const tsBlocks = runnable.filter((b) => b.kind === 'ts');
  const diagnostics = tsBlocks.length > 0 ? typecheckAndEmit(tsBlocks.map(sourceOf)) : new Map<string, Diagnostic[]>();
  const runner = new ModuleRunner(CONCURRENCY, TIMEOUT_MS);
  for (const b of runnable) {
    const run = runner.run(moduleOf(b), b.code);
    outcomes.set(b, run.then((result) => ({ diagnostics: diagnostics.get(sourceOf(b)) ?? [], run: result })));
  }
}, 300_000);

afterAll(() => {
  const lines = skipped.map((b) => `  ${label(b)} (${b.lang}): ${b.notRun}`);
  if (lines.length > 0) console.log(`Doc blocks not run (<!-- not-run: reason -->):\n${lines.join('\n')}`);
});

/** What went wrong with a block, or '' when it passed. */
function failureOf(b: CodeBlock, diagnostics: readonly Diagnostic[], run: RunResult): string {
  const parts: string[] = [];
  if (diagnostics.length > 0) {
    // Block line n is Markdown line b.line + n (the fence is line b.line).
    const shown = diagnostics.map((d) => `  ${b.file}:${d.line === 0 ? b.line : b.line + d.line}:${d.column}  ${d.text}`);
    parts.push(`type errors:\n${shown.join('\n')}`);
  }
  if (run.timedOut) parts.push(`did not exit within ${TIMEOUT_MS} ms (a server, socket or timer left open?)`);
  else if (run.exitCode !== 0) parts.push(`exited with ${run.exitCode ?? run.signal}`);
  if (parts.length === 0) return '';
  const tail = (text: string): string => (text.length > 4000 ? `...${text.slice(-4000)}` : text);
  if (run.stderr.trim() !== '') parts.push(`stderr:\n${tail(run.stderr.trimEnd())}`);
  if (run.stdout.trim() !== '' && run.exitCode !== 0) parts.push(`stdout:\n${tail(run.stdout.trimEnd())}`);
  return `${label(b)} (${b.lang} block, written to ${relative(ROOT, sourceOf(b))})\n${parts.join('\n')}`;
}

describe('the Markdown of the docs', () => {
  it('has no not-run marker without a reason or away from a fence, and no unclosed fence', () => {
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.problem}`)).toEqual([]);
  });
});

describe('doc code blocks run as written', () => {
  for (const b of runnable) {
    it(label(b), { timeout: 300_000 }, async () => {
      const { diagnostics, run } = await outcomes.get(b)!;
      const failure = failureOf(b, diagnostics, run);
      if (failure !== '') expect.fail(failure);
    });
  }
  for (const b of skipped) it.skip(`${label(b)} (not-run: ${b.notRun})`, () => undefined);
});
