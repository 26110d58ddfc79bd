#!/usr/bin/env node
/**
 * The cost of `?filter=` globs per metric name (after `npm run build`): 100,000 names
 * matched against one glob, 16 globs, and 16 hostile globs (`*e*e*...*b`, the shape that
 * makes backtracking matchers slow). Globs are compiled into one automaton that reads each
 * character once; prints nanoseconds per name, median of 5 passes.
 *
 *   node bench/exposition/filter.bench.js
 */

import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { URL } from 'node:url';

const { globSetMatcher } = await import(new URL('../../dist/reporters/select.js', import.meta.url).href);
const print = (line) => process.stdout.write(`${line}\n`);

const names = Array.from({ length: 100_000 }, (_, i) => `bench.group${i % 100}.timer${i}`);
const cases = [
  ['one glob: bench.group1*.timer*', ['bench.group1*.timer*']],
  ['one glob: **.timer9?', ['**.timer9?']],
  ['16 globs: bench.groupN?.*', Array.from({ length: 16 }, (_, i) => `bench.group${i}?.*`)],
  ['16 hostile globs of 64 characters', Array.from({ length: 16 }, () => `${'*e'.repeat(31)}*b`)],
];

function pass(match) {
  let hits = 0;
  const started = performance.now();
  for (const name of names) if (match(name)) hits++;
  return { ms: performance.now() - started, hits };
}

print('| globs | ns per name | names matched |');
print('|---|---:|---:|');
for (const [what, globs] of cases) {
  const match = globSetMatcher(globs);
  pass(match); // warm up: builds the transitions
  const runs = Array.from({ length: 5 }, () => pass(match));
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b)[2];
  print(`| ${what} | ${((ms * 1e6) / names.length).toFixed(0)} | ${runs[0].hits.toLocaleString('en')} |`);
}
