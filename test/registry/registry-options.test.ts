import { describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  ManualClock,
  MetricsError,
  Registry,
  UnknownOptionError,
  type MetricRegistry,
} from '../../src/index.js';

/** The error `fn` throws (it must throw a MetricsError). */
function errorOf(fn: () => unknown): MetricsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MetricsError);
    return error as MetricsError;
  }
  throw new Error('expected a MetricsError, nothing was thrown');
}

type Table = {
  /** Who reads the options. */
  readonly what: string;
  /** Calls it with these options. */
  readonly call: (options: unknown) => unknown;
  /** Per option: bad values, each with the code it must throw (default INVALID_OPTION). */
  readonly bad: Readonly<Record<string, readonly unknown[]>>;
  /** Values that must be accepted. */
  readonly good: readonly unknown[];
  /** A typo and the key it must suggest. */
  readonly typos: readonly (readonly [string, string])[];
};

const fresh = (): Registry => new Registry({ clock: new ManualClock() });
const badTags = [5, 'x', [], null, true, { value: { '1x': 'v' }, code: ErrorCodes.INVALID_TAG }, { value: { k: '' }, code: ErrorCodes.INVALID_TAG }];
const window = {
  significantDigits: [0, 6, 2.5, '2', Number.NaN],
  windowMs: [0, -5_000, 7_000, 5_000.5, '60000', Infinity, 30_000 /* 4 slices of 7.5 s */],
  windowSlices: [0, 61, 1.5, '4'],
};
const numbers = [0, -1, Number.NaN, Infinity, '1'];
const bucketOptions = {
  buckets: ['latency', 5, [], [2, 1], [1, 1], [-1], [Number.NaN], [Infinity], ['1'], Array.from({ length: 1000 }, (_, i) => i)],
  nativeHistogram: ['yes', 1, null],
  summary: ['yes', 0],
};

const TABLES: readonly Table[] = [
  {
    what: 'new Registry()',
    call: (options) => new Registry(options as never),
    bad: {
      clock: [null, 5, 'clock', {}, { now: () => 0 }],
      maxSeriesPerName: [0, -1, 1.5, '10', Number.NaN, Infinity],
      maxSeries: [0, -1, 1.5, '10', Number.NaN, Infinity],
      expireAfterMs: [0, 4_999, 5_000.5, '60000', Number.NaN, Infinity],
      buckets: bucketOptions.buckets,
      nativeHistograms: bucketOptions.nativeHistogram,
    },
    good: [
      undefined,
      {},
      { clock: new ManualClock(), maxSeriesPerName: 1, maxSeries: 1, expireAfterMs: 5_000 },
      { buckets: 'prometheus', nativeHistograms: true },
      { buckets: [0.5, 1, 2.5] },
      { clock: undefined, maxSeries: undefined, expireAfterMs: undefined },
    ],
    typos: [
      ['maxSeriesPerNmae', 'maxSeriesPerName'],
      ['clok', 'clock'],
      ['maxSereis', 'maxSeries'],
      ['expireAfter', 'expireAfterMs'],
      ['bucket', 'buckets'],
      ['nativeHistogram', 'nativeHistograms'],
    ],
  },
  {
    what: 'registry.counter()',
    call: (options) => fresh().counter('c', options as never),
    bad: { tags: badTags },
    good: [undefined, {}, { tags: {} }, { tags: { a: 'b' } }],
    typos: [['tgas', 'tags']],
  },
  {
    what: 'registry.meter()',
    call: (options) => fresh().meter('m', options as never),
    bad: { tags: badTags },
    good: [undefined, { tags: { a: 'b' } }],
    typos: [['tag', 'tags']],
  },
  {
    what: 'registry.gauge(name, callback, options)',
    call: (options) => fresh().gauge('g', () => 1, options as never),
    bad: { tags: badTags, timeoutMs: [...numbers, 2 ** 31] },
    good: [undefined, { timeoutMs: 1 }, { timeoutMs: 2 ** 31 - 1, tags: { a: 'b' } }],
    typos: [
      ['timeout', 'timeoutMs'],
      ['timoutMs', 'timeoutMs'],
    ],
  },
  {
    what: 'registry.gauge(name, options)',
    call: (options) => fresh().gauge('g', options as never),
    bad: { tags: badTags, timeoutMs: numbers, aggregate: ['avg', 1, null] },
    good: [undefined, { timeoutMs: 10 }, { aggregate: 'sum' }, { aggregate: 'perWorker' }],
    typos: [
      ['tags_', 'tags'],
      ['aggregte', 'aggregate'],
    ],
  },
  {
    what: 'registry.histogram()',
    call: (options) => fresh().histogram('h', options as never),
    bad: { tags: badTags, ...window, resolution: numbers, ...bucketOptions },
    good: [
      undefined,
      { significantDigits: 5, windowMs: 5_000, windowSlices: 1, resolution: 1e-6 },
      { windowMs: 600_000, windowSlices: 60 },
      { buckets: [1, 10, 100], nativeHistogram: true, summary: true },
      { buckets: 'none' },
    ],
    typos: [
      ['bucket', 'buckets'],
      ['nativeHistograms', 'nativeHistogram'],
      ['resolutin', 'resolution'],
      ['significantDigit', 'significantDigits'],
      ['windowSlice', 'windowSlices'],
      ['window', 'windowMs'],
      ['resolutionMs', 'resolution'],
    ],
  },
  {
    what: 'registry.timer()',
    call: (options) => fresh().timer('t', options as never),
    bad: { tags: badTags, ...window, resolutionMs: numbers, ...bucketOptions },
    good: [undefined, { significantDigits: 1, resolutionMs: 1 }, { buckets: 'prometheus' }],
    typos: [
      ['summry', 'summary'],
      ['resolution', 'resolutionMs'],
      ['windowms', 'windowMs'],
    ],
  },
];

describe('options of the registry and its factories (table-driven)', () => {
  for (const table of TABLES) {
    describe(table.what, () => {
      for (const [option, values] of Object.entries(table.bad)) {
        it(`rejects bad values of '${option}'`, () => {
          for (const entry of values) {
            const { value, code } =
              typeof entry === 'object' && entry !== null && 'code' in entry
                ? (entry as { value: unknown; code: string })
                : { value: entry, code: ErrorCodes.INVALID_OPTION };
            expect(errorOf(() => table.call({ [option]: value })).code, `${option}: ${String(value)}`).toBe(code);
          }
        });
      }

      it('rejects options that are not an object', () => {
        for (const bad of [5, 'x', true]) expect(errorOf(() => table.call(bad)).code).toBe(ErrorCodes.INVALID_OPTION);
      });

      it('rejects an unknown key, suggesting the nearest valid one', () => {
        for (const [typo, suggestion] of table.typos) {
          const error = errorOf(() => table.call({ [typo]: 1 }));
          expect(error).toBeInstanceOf(UnknownOptionError);
          expect(error).toMatchObject({ code: ErrorCodes.UNKNOWN_OPTION, option: typo, suggestion });
        }
      });

      it('accepts good values', () => {
        for (const options of table.good) expect(() => table.call(options)).not.toThrow();
      });
    });
  }
});

describe('options on the lookup path', () => {
  const views: readonly (readonly [string, (r: Registry) => MetricRegistry])[] = [
    ['a registry', (r) => r],
    ['a scope', (r) => r.scope('s', { env: 'test' })],
  ];
  for (const [label, view] of views) {
    it(`still rejects a typo when the metric exists (${label})`, () => {
      const r = fresh();
      const v = view(r);
      v.histogram('h');
      v.timer('t', { tags: { a: 'b' } });
      v.counter('c');
      v.gauge('g');
      const unknown = (fn: () => unknown): unknown => {
        const error = errorOf(fn);
        expect(error.code).toBe(ErrorCodes.UNKNOWN_OPTION);
        return (error as Partial<UnknownOptionError>).suggestion;
      };
      expect(unknown(() => v.histogram('h', { resolutin: 1 } as never))).toBe('resolution');
      expect(unknown(() => v.timer('t', { tags: { a: 'b' }, resolutin: 1 } as never))).toBe('resolutionMs');
      expect(unknown(() => v.counter('c', { tgas: { a: 'b' } } as never))).toBe('tags');
      expect(unknown(() => v.gauge('g', { timeout: 5 } as never))).toBe('timeoutMs');
      // Malformed tags on the lookup path are not taken for "no tags".
      for (const tags of [null, 5, 'x']) {
        expect(errorOf(() => v.counter('c', { tags } as never)).code).toBe(ErrorCodes.INVALID_OPTION);
        expect(errorOf(() => v.timer('t', { tags } as never)).code).toBe(ErrorCodes.INVALID_OPTION);
      }
    });
  }

  it('checks the gauge callback argument', () => {
    const r = fresh();
    expect(errorOf(() => r.gauge('g', 5 as never)).code).toBe(ErrorCodes.INVALID_OPTION);
    expect(errorOf(() => r.gauge('g', {}, {})).code).toBe(ErrorCodes.INVALID_OPTION);
    expect(r.size).toBe(0);
  });

  it('creates nothing when the options are bad', () => {
    const r = fresh();
    for (const fn of [
      () => r.timer('t', { windowMs: 7_000 }),
      () => r.counter('c', { tags: { '1': 'x' } }),
      () => r.gauge('g', () => 1, { timeoutMs: 0 }),
    ]) {
      expect(() => fn()).toThrow(MetricsError);
    }
    expect(r.size).toBe(0);
    // The names are still free for any type.
    expect(r.meter('t').type).toBe('meter');
  });
});
