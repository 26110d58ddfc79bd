/**
 * The values every library records, identical in every worker: durations in
 * milliseconds, log-uniform from 0.01 ms to 1.5 s, from a fixed seed.
 */

/** Indexes into {@link VALUES_MS} are masked with this (a power of two minus one). */
export const VALUE_MASK = 1023;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const LOW_MS = 0.01;
const HIGH_MS = 1500;

/** 1024 pseudo-random durations in ms, log-uniform in [0.01, 1500]. */
export const VALUES_MS = (() => {
  const random = mulberry32(0x7a9e);
  const out = new Float64Array(VALUE_MASK + 1);
  for (let i = 0; i < out.length; i++) out[i] = LOW_MS * (HIGH_MS / LOW_MS) ** random();
  return out;
})();

/** The 100 values a "full" timer holds: log-spaced from 0.01 ms to 1.5 s. */
export const HUNDRED_MS = Array.from({ length: 100 }, (_, k) => LOW_MS * (HIGH_MS / LOW_MS) ** (k / 99));

/** The tag values looked up per call (four routes, so lookups are not all one series). */
export const ROUTES = ['/users/:id', '/orders/:id', '/health', '/search'];

/** The function timed by `time(syncFn)`: a little work with a result to consume. */
export function makeSyncWork() {
  const state = { n: 0 };
  return () => (state.n = (state.n + 1) | 0);
}

/** The function timed by `time(asyncFn)`: resolves at once with a result. */
export function makeAsyncWork() {
  const state = { n: 0 };
  return async () => (state.n = (state.n + 1) | 0);
}
