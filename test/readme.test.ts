import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('README example', () => {
  it('runs as written and prints what it promises', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const code = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    expect(code!.split('\n').length).toBeLessThanOrEqual(22);
    const dir = join(root, 'test', '.tmp-readme');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'example.ts');
    writeFileSync(file, code!.replace("from 'tapemeasure'", `from ${JSON.stringify(join(root, 'src', 'index.ts'))}`));
    const lines: unknown[][] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args));
    try {
      await import(file);
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(lines[0]![0]).toBe(2);
    expect(lines[0]![1]).toBeGreaterThanOrEqual(19);
    expect(lines[0]![2]).toBe(2048);
    const snap = JSON.parse(lines[1]![0] as string) as Record<string, Record<string, Record<string, unknown>>>;
    expect(snap['db']!['query']).toMatchObject({ type: 'timer', count: 1 });
    expect(snap['auth']!['logins']).toMatchObject({ type: 'meter', series: [{ count: 1, tags: { method: 'password' } }] });
  });
});
