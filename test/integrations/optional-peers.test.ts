import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../../src/integrations/', import.meta.url);
const FRAMEWORKS = /^(express|fastify|koa|@koa\/router|router|find-my-way)(\/|$)/;
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));

describe('integrations never import a framework at run time', () => {
  it('looks at every file, subfolders included', () => {
    expect(files).toContain('http/recorder.ts');
  });

  for (const file of files) {
    it(file, () => {
      const source = readFileSync(new URL(file, dir), 'utf8');
      const runtimeImports = [...source.matchAll(/^\s*(import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[2]!);
      const dynamicImports = [...source.matchAll(/\b(?:import|require)\(\s*'([^']+)'/g)].map((m) => m[1]!);
      expect([...runtimeImports, ...dynamicImports].filter((s) => FRAMEWORKS.test(s))).toEqual([]);
      expect(runtimeImports.every((s) => s.startsWith('./') || s.startsWith('../') || s.startsWith('node:'))).toBe(true);
    });
  }
});
