import { describe, expect, it } from 'vitest';
import { extractBlocks } from './extract.js';
import { fixedPorts } from './run-module.js';

const md = (...lines: string[]): string => lines.join('\n');

describe('extractBlocks', () => {
  it('sorts fences by language and numbers them by their opening line', () => {
    const { blocks, problems } = extractBlocks(
      'x.md',
      md('# T', '```js', 'a()', '```', '```TypeScript title="x"', 'b()', '```', '```sh', 'npm ci', '```', '```', 'plain', '```'),
    );
    expect(problems).toEqual([]);
    expect(blocks.map((b) => [b.line, b.lang, b.kind, b.code])).toEqual([
      [2, 'js', 'js', 'a()\n'],
      [5, 'typescript', 'ts', 'b()\n'],
      [8, 'sh', 'other', 'npm ci\n'],
      [11, '', 'other', 'plain\n'],
    ]);
  });

  it.each([
    ['mjs', 'js'],
    ['javascript', 'js'],
    ['ts', 'ts'],
    ['mts', 'ts'],
    ['json', 'other'],
    ['constructor', 'other'],
  ])('```%s is %s', (lang, kind) => {
    expect(extractBlocks('x.md', md(`\`\`\`${lang}`, 'x', '```')).blocks[0]!.kind).toBe(kind);
  });

  it('reads fences in list items, strips their indentation, and closes only on the same fence', () => {
    const { blocks } = extractBlocks('x.md', md('- item:', '  ````ts', '  const a = 1;', '  ```', '    nested', '  ````', '~~~js', 'b', '~~~'));
    expect(blocks.map((b) => b.code)).toEqual(['const a = 1;\n```\n  nested\n', 'b\n']);
  });

  it('skips a block after a not-run marker, with its reason', () => {
    const { blocks, problems } = extractBlocks('x.md', md('<!-- not-run: needs a carbon server -->', '```ts', 'x', '```'));
    expect(problems).toEqual([]);
    expect(blocks[0]!.notRun).toBe('needs a carbon server');
  });

  it.each([
    ['without a reason', md('<!-- not-run -->', '```ts', 'x', '```'), 1, /needs a reason/],
    ['with an empty reason', md('<!-- not-run: -->', '```ts', 'x', '```'), 1, /needs a reason/],
    ['away from a fence', md('<!-- not-run: why -->', '', '```ts', 'x', '```'), 1, /just before a fence/],
    ['an unclosed fence', md('text', '```ts', 'x'), 2, /never closed/],
  ])('reports a marker %s', (_name, text, line, problem) => {
    const { problems } = extractBlocks('x.md', text);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(line);
    expect(problems[0]!.problem).toMatch(problem);
  });
});

describe('fixedPorts', () => {
  it('finds the fixed ports a snippet names, not port 0', () => {
    const source = "serveMetrics({ port: 9464 }); server.listen(3000, '127.0.0.1'); fetch('http://127.0.0.1:8125/'); listen({ port: 0 })";
    expect([...fixedPorts(source)].sort()).toEqual([3000, 8125, 9464]);
  });
});
