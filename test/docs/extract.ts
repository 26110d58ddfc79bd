/**
 * Finds the fenced code blocks of a Markdown file (CommonMark fences: three or more
 * backticks or tildes, at any indentation so that fences in list items count, closed
 * by the same character at least as many times) and sorts them for the docs-as-tests: JavaScript blocks run with
 * Node.js, TypeScript blocks are type-checked then run, other languages are left alone,
 * and a block whose fence follows `<!-- not-run: reason -->` on the line just before it
 * is skipped with its reason.
 */

/** How a block is tested. */
export type BlockKind = 'js' | 'ts' | 'other';

/** One fenced code block. */
export type CodeBlock = {
  /** The Markdown file, relative to the repository root (`docs/http.md`). */
  readonly file: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  /** The info string's first word, lower-cased (`ts`, `sh`, or `''`). */
  readonly lang: string;
  readonly kind: BlockKind;
  /** The block's text, without its fences, ending with a newline. */
  readonly code: string;
  /** The reason of a `<!-- not-run: reason -->` marker on the line before the fence. */
  readonly notRun: string | undefined;
};

/** A mistake in the Markdown that the test must report (a marker without a reason, a fence never closed). */
export type MarkdownProblem = { readonly file: string; readonly line: number; readonly problem: string };

const KIND: Readonly<Record<string, BlockKind>> = {
  js: 'js',
  javascript: 'js',
  mjs: 'js',
  ts: 'ts',
  typescript: 'ts',
  mts: 'ts',
};

const OPEN = /^( *)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const NOT_RUN = /^\s*<!--\s*not-run\b\s*(?::\s*(.*?))?\s*-->\s*$/;

/** Every fenced block of `markdown`, and the problems found on the way. */
export function extractBlocks(
  file: string,
  markdown: string,
): { readonly blocks: CodeBlock[]; readonly problems: MarkdownProblem[] } {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  const problems: MarkdownProblem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = NOT_RUN.exec(lines[i]!);
    if (marker !== null) {
      if (!OPEN.test(lines[i + 1] ?? '')) {
        problems.push({ file, line: i + 1, problem: 'a <!-- not-run --> marker must be on the line just before a fence' });
      } else if ((marker[1] ?? '') === '') {
        problems.push({ file, line: i + 1, problem: 'a <!-- not-run --> marker needs a reason: <!-- not-run: why -->' });
      }
      continue;
    }
    const open = OPEN.exec(lines[i]!);
    if (open === null) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const close = new RegExp(`^ *${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !close.test(lines[i]!); i++) {
      // Content lines lose at most the opening fence's indentation (CommonMark).
      const line = lines[i]!;
      let strip = 0;
      while (strip < indent.length && line[strip] === ' ') strip++;
      body.push(line.slice(strip));
    }
    if (i >= lines.length) {
      problems.push({ file, line: start + 1, problem: 'a code fence is never closed' });
    }
    const lang = info.toLowerCase();
    const notRun = NOT_RUN.exec(lines[start - 1] ?? '')?.[1];
    blocks.push({
      file,
      line: start + 1,
      lang,
      kind: Object.hasOwn(KIND, lang) ? KIND[lang]! : 'other',
      code: `${body.join('\n')}\n`,
      notRun: notRun === '' ? undefined : notRun,
    });
  }
  return { blocks, problems };
}
