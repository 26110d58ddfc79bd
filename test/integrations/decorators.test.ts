import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import * as decorators from '../../src/integrations/decorators.js';
import { classMetric, counted, metered, timed } from '../../src/integrations/decorators.js';
import type { Counter } from '../../src/metrics/counter.js';
import type { Meter } from '../../src/metrics/meter.js';
import type { Timer } from '../../src/metrics/timer.js';
import { Registry } from '../../src/registry/registry.js';
import { waitUntil } from '../helpers/wait.js';
import type { build as Build } from './fixtures/decorated.js';

type Built = ReturnType<typeof Build>;

/** Compiles the fixture with tsc (standard decorators, lowered for ES2022) and imports it. */
async function compileFixture(): Promise<{ build: typeof Build; file: string }> {
  const source = readFileSync(new URL('./fixtures/decorated.ts', import.meta.url), 'utf8');
  const output = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, experimentalDecorators: false },
  });
  expect(output.outputText).not.toMatch(/^\s*@/m); // decorators were lowered
  const file = join(tmpdir(), `tapemeasure-decorated-${process.pid}-${Date.now()}.mjs`);
  writeFileSync(file, output.outputText);
  return { build: ((await import(pathToFileURL(file).href)) as { build: typeof Build }).build, file };
}

describe('decorators written with TypeScript standard decorator syntax (compiled by tsc)', () => {
  let registry: Registry;
  let clock: ManualClock;
  let built: Built;
  let file = '';

  beforeAll(async () => {
    clock = new ManualClock();
    registry = new Registry({ clock });
    const compiled = await compileFixture();
    file = compiled.file;
    built = compiled.build(decorators, registry);
  });

  afterAll(() => {
    rmSync(file, { force: true });
  });

  it('names per subclass from a template, with no base-class metric', () => {
    const { Double, Square } = built;
    expect(new Double().handle(3)).toBe(6);
    expect(new Square().handle(3)).toBe(9);
    new Square().handle(4);
    expect((registry.get('handlers.Double.handle') as Timer).count).toBe(1);
    expect((registry.get('handlers.Square.handle') as Timer).count).toBe(2);
    expect((registry.get('handlers.Square.latency') as Timer).count).toBe(2);
    expect((registry.get('Square.handle.meter') as Meter).count).toBe(2);
    const names = [...registry.metrics()].map((m) => m.name);
    expect(names.filter((n) => n.includes('Handler'))).toEqual([]);
  });

  it('times async methods until they settle, and counts calls', async () => {
    const { Jobs } = built;
    const jobs = new Jobs();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const ok = jobs.run(false, gate);
    const failed = jobs.run(true, gate);
    expect((registry.get('Jobs.run.counter') as Counter).count).toBe(2);
    expect((registry.get('Jobs.run.timer') as Timer | undefined)?.count ?? 0).toBe(0);
    clock.advance(40);
    open();
    await expect(ok).resolves.toBe('done');
    await expect(failed).rejects.toThrow('job failed');
    const timer = registry.get('Jobs.run.timer') as Timer;
    expect(timer.count).toBe(2);
    expect(timer.statistics().min).toBe(40);
  });

  it('counts calls in flight with inFlight: true', async () => {
    const { Jobs } = built;
    const jobs = new Jobs();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const a = jobs.running(gate);
    const b = jobs.running(gate);
    const running = registry.get('jobs.running') as Counter;
    expect(running.count).toBe(2);
    open();
    await Promise.all([a, b]);
    expect(running.count).toBe(0);
  });

  it('records a synchronous throw, then rethrows it; static methods use the class', () => {
    const { Jobs } = built;
    expect(() => new Jobs().explode()).toThrow('boom');
    expect((registry.get('jobs.Jobs.sync', { kind: 'sync' }) as Timer).count).toBe(1);
    expect(Jobs.schedule()).toBe(1);
    expect((registry.get('jobs.Jobs.schedule') as Meter).count).toBe(1);
  });
});

describe('decorators applied by hand', () => {
  const context = (name: string | symbol) =>
    ({ kind: 'method', name, static: false, private: false, metadata: {}, addInitializer() {}, access: {} }) as unknown as ClassMethodDecoratorContext;

  it('encodes class and method names so any name is safe', () => {
    const registry = new Registry();
    const fn = timed('svc.{class}.{method}', { registry })(function (this: unknown) {
      return 1;
    }, context(Symbol('weird name')));
    const Weird = { ['Wéird.Class']: class {} }['Wéird.Class'];
    expect(fn.call(new Weird())).toBe(1);
    expect([...registry.metrics()].map((m) => m.name)).toEqual(['svc.W_C3_A9ird_2EClass.weird_20name']);
  });

  it('refuses bad templates when the decorator is created', () => {
    const attempts = [
      () => timed('a.{klass}'),
      () => metered('bad name'),
      () => counted(42 as unknown as string),
      () => classMetric('timer', 'a.{method}'),
      () => classMetric('gauge' as 'timer', 'a.{class}'),
    ];
    for (const attempt of attempts) expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_TAPEMEASURE_INVALID_OPTION' }));
  });

  it('runs the method unmeasured (with one DECORATOR_FAILED warning) when the registry refuses the metric', () => {
    const registry = new Registry();
    registry.counter('taken.name');
    const fn = timed('taken.name', { registry })(() => 'still works', context('m'));
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      expect(fn.call({})).toBe('still works');
      expect(fn.call({})).toBe('still works');
      expect(fn.call(new (class Other {})())).toBe('still works');
      expect(emitWarning.mock.calls.map((c) => (c[1] as { code?: string }).code)).toEqual(['ERR_TAPEMEASURE_DECORATOR_FAILED']);
    } finally {
      emitWarning.mockRestore();
    }
  });

  it('takes a scope as its registry, and the default registry when none is given', async () => {
    const registry = new Registry();
    const fn = metered('calls', { registry: registry.scope('svc', { team: 'core' }) })(() => 1, context('m'));
    fn.call({});
    expect((registry.get('svc.calls', { team: 'core' }) as Meter).count).toBe(1);
    const { defaultRegistry } = await import('../../src/registry/default-registry.js');
    const onDefault = counted('decorators_test.default_registry')(() => 1, context('m'));
    onDefault.call({});
    expect((defaultRegistry.get('decorators_test.default_registry') as Counter).count).toBe(1);
  });

  it('leaves a rejection nobody handles unhandled (the one timing helper)', async () => {
    const registry = new Registry();
    const error = new Error('unhandled');
    const fn = timed('t', { registry })(async () => {
      await Promise.resolve();
      throw error;
    }, context('m'));
    const listeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    const seen: unknown[] = [];
    const onUnhandled = (reason: unknown) => seen.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      void fn.call({});
      await waitUntil(() => seen.length > 0, { what: 'the unhandled rejection' });
      expect(seen).toEqual([error]);
      expect((registry.get('t') as Timer).count).toBe(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      for (const listener of listeners) process.on('unhandledRejection', listener);
    }
  });

  it('classMetric() gives each class its own metric', () => {
    const registry = new Registry();
    const calls = classMetric('counter', 'calls.{class}', { registry });
    class A {}
    class B extends A {}
    calls(new B()).inc();
    calls(B).inc();
    expect(calls(new B()).count).toBe(2);
    expect(registry.get('calls.A')).toBeUndefined();
    expect(calls(new A())).not.toBe(calls(new B()));
  });
});
