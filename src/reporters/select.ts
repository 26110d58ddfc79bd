/**
 * Metric selectors: how reporters and the pull endpoint choose metrics, by name prefix,
 * glob, list of those, or predicate (the `filter` option, the endpoint's `?filter=`).
 *
 * @module
 */

import { anyOf, arrayOf, checkValue, func, string, type Check } from '../internal/options.js';
import type { Metric, MetricFilter } from '../registry/types.js';

/**
 * Selects metrics: a name prefix (`'http.'`), a glob (`'http.*.count'`, `'db.**'`), a
 * list of those (any may match), or a predicate called with each metric.
 *
 * In a glob, `*` matches any run of characters within one name segment, `?` one
 * character, and a whole segment `**` any number of segments (`db.**`, `**.errors`); the
 * glob must match the whole name. A string without `*` or `?` is a prefix, compared with
 * `startsWith`.
 */
export type MetricSelector = string | readonly string[] | MetricFilter;

/** The check of a `filter` option: a name prefix, a glob, a list of them, or a predicate. @internal */
export const selectorCheck: Check<MetricSelector> = anyOf(string, arrayOf(string), func) as Check<MetricSelector>;

const GLOB_CHARS = /[*?]/;
const DOT = 0x2e;

// The states of a glob automaton. A name is read one character at a time; a state is a
// place in one glob: before a token of a segment pattern (a literal character, `?`, `*`),
// at the end of a segment pattern (waiting for the `.` or the end of the name), or inside
// a segment that a `**` consumes.
const LITERAL = 0;
const ANY_ONE = 1;
const STAR = 2;
const SEGMENT_END = 3;
const IN_ANY_SEGMENTS = 4;

/** One set of automaton states, with its cached transitions (a lazily built DFA state). */
type DfaState = {
  /** The automaton states, ascending. */
  readonly states: Int32Array;
  /** Whether the name may end here. */
  readonly accepts: boolean;
  /** Transitions already computed on ASCII characters, by code (kept only for cached states). */
  readonly ascii: (DfaState | undefined)[];
  /** Transitions already computed on other characters. */
  readonly next: Map<number, DfaState>;
  /** Whether this state is in the cache (else its transitions are not kept). */
  readonly cached: boolean;
};

/** The most DFA states one compiled glob set caches; beyond, transitions are computed each time. */
const MAX_CACHED_STATES = 4_096;

let globStepCount = 0;

/**
 * Work done by every glob matcher so far: one step per character read through a cached
 * transition, plus one per automaton state visited when a transition is computed. Tests
 * use it to prove that matching is linear in the name (no backtracking).
 *
 * @internal
 */
export function globSteps(): number {
  return globStepCount;
}

/**
 * A set of globs compiled into one automaton (Thompson's construction, simulated a
 * character at a time with the state sets cached as a DFA is built lazily, as RE2
 * does). Matching reads each character of the name once and never backtracks: a cached
 * transition is one step, a new one at most the number of states; the cache is bounded.
 */
class GlobAutomaton {
  readonly #kind: number[] = [];
  readonly #char: number[] = [];
  readonly #accepting: boolean[] = [];
  /** For SEGMENT_END and IN_ANY_SEGMENTS: the states a `.` leads to (closed). */
  readonly #onDot: number[][] = [];
  readonly #cache = new Map<string, DfaState>();
  readonly #start: DfaState;
  readonly #dead: DfaState;
  #mark: Int32Array = new Int32Array(0);
  #epoch = 0;

  constructor(globs: readonly string[]) {
    const starts: number[] = [];
    for (const glob of globs) starts.push(...this.#compile(glob));
    this.#mark = new Int32Array(this.#kind.length);
    this.#dead = { states: new Int32Array(0), accepts: false, ascii: [], next: new Map(), cached: true };
    this.#start = this.#intern(this.#closeAll(starts));
  }

  /** Whether `name` matches any of the globs. */
  matches(name: string): boolean {
    let state = this.#start;
    for (let i = 0; i < name.length; i++) {
      if (state === this.#dead) return false;
      const c = name.charCodeAt(i);
      globStepCount++;
      state = (c < 128 ? state.ascii[c] : state.next.get(c)) ?? this.#step(state, c);
    }
    return state.accepts;
  }

  /** Adds the states of one glob; returns its start states (not closed). */
  #compile(glob: string): number[] {
    const segments = glob.split('.');
    // The states of each segment pattern, and where it starts.
    const first: number[] = [];
    const ends: number[] = [];
    for (const segment of segments) {
      first.push(this.#kind.length);
      if (segment === '**') {
        this.#add(IN_ANY_SEGMENTS, 0);
      } else {
        // `**` inside a segment is `*`.
        const pattern = segment.replace(/\*+/g, '*');
        for (let i = 0; i < pattern.length; i++) {
          const ch = pattern[i]!;
          if (ch === '*') this.#add(STAR, 0);
          else if (ch === '?') this.#add(ANY_ONE, 0);
          else this.#add(LITERAL, pattern.charCodeAt(i));
        }
        this.#add(SEGMENT_END, 0);
      }
      ends.push(this.#kind.length - 1);
    }
    // The states where segment p begins: for `**`, also those of the segment after it
    // (it may match no segment). Past the last segment: none (the name is too long).
    const segmentStart = (p: number): number[] => {
      const out: number[] = [];
      for (; p < segments.length; p++) {
        out.push(first[p]!);
        if (segments[p] !== '**') break;
      }
      return out;
    };
    // The name may end after segment p when every segment after it is `**`.
    for (let p = 0; p < segments.length; p++) {
      let rest = true;
      for (let q = p + 1; q < segments.length; q++) if (segments[q] !== '**') rest = false;
      this.#accepting[ends[p]!] = rest;
      this.#onDot[ends[p]!] = this.#closeAll(segments[p] === '**' ? segmentStart(p) : segmentStart(p + 1));
    }
    return segmentStart(0);
  }

  #add(kind: number, char: number): void {
    this.#kind.push(kind);
    this.#char.push(char);
    this.#accepting.push(false);
    this.#onDot.push([]);
  }

  /** The states and those reachable without reading: a `*` may match nothing. */
  #closeAll(states: readonly number[]): number[] {
    const out: number[] = [];
    for (const s of states) {
      out.push(s);
      if (this.#kind[s] === STAR) out.push(s + 1);
    }
    return out;
  }

  /** The DFA state of a set of automaton states (deduplicated here), cached while the cache has room. */
  #intern(states: readonly number[]): DfaState {
    const sorted = Int32Array.from(new Set(states)).sort();
    if (sorted.length === 0) return this.#dead;
    const key = sorted.join(',');
    const known = this.#cache.get(key);
    if (known !== undefined) return known;
    let accepts = false;
    for (const s of sorted) if (this.#accepting[s] === true) accepts = true;
    const cached = this.#cache.size < MAX_CACHED_STATES;
    const state: DfaState = { states: sorted, accepts, ascii: [], next: new Map(), cached };
    if (cached) this.#cache.set(key, state);
    return state;
  }

  /** Computes (and caches, if `from` is cached) the transition of `from` on character `c`. */
  #step(from: DfaState, c: number): DfaState {
    if (this.#epoch === 0x3fff_ffff) {
      this.#mark.fill(0);
      this.#epoch = 0;
    }
    const epoch = ++this.#epoch;
    const mark = this.#mark;
    const out: number[] = [];
    const push = (s: number): void => {
      if (mark[s] === epoch) return;
      mark[s] = epoch;
      out.push(s);
      if (this.#kind[s] === STAR && mark[s + 1] !== epoch) {
        mark[s + 1] = epoch;
        out.push(s + 1);
      }
    };
    const dot = c === DOT;
    for (const s of from.states) {
      globStepCount++;
      switch (this.#kind[s]) {
        case LITERAL:
          if (this.#char[s] === c) push(s + 1);
          break;
        case ANY_ONE:
          if (!dot) push(s + 1);
          break;
        case STAR:
          if (!dot) push(s);
          break;
        case SEGMENT_END:
          if (dot) for (const t of this.#onDot[s]!) push(t);
          break;
        default: // IN_ANY_SEGMENTS
          if (dot) for (const t of this.#onDot[s]!) push(t);
          else push(s);
      }
    }
    const to = this.#intern(out);
    if (from.cached) {
      if (c < 128) from.ascii[c] = to;
      else from.next.set(c, to);
    }
    return to;
  }
}

/**
 * Compiles a glob into a predicate on dotted names. Segments are matched one to one;
 * within a segment `*` matches any run of characters and `?` one character; a segment
 * `**` matches any number of whole segments (none included). Linear time: every
 * character of the name is read once, with no backtracking (globs can come from a URL).
 *
 * @internal
 */
export function globMatcher(glob: string): (name: string) => boolean {
  return globSetMatcher([glob]);
}

/**
 * Compiles several globs into one predicate that is true when any of them matches: one
 * automaton, one pass over the name, however many globs.
 *
 * @internal
 */
export function globSetMatcher(globs: readonly string[]): (name: string) => boolean {
  const automaton = new GlobAutomaton(globs);
  return (name) => automaton.matches(name);
}

/**
 * Compiles a {@link MetricSelector} into a predicate on metrics, or `undefined` when
 * everything is selected.
 *
 * @param selector - the selector.
 * @param where - who reads it, for the message of a bad selector.
 * @throws {@link InvalidOptionError} if the selector is not a string, array of strings or function.
 * @internal
 */
export function compileSelector(selector: MetricSelector | undefined, where: string): MetricFilter | undefined {
  if (selector === undefined) return undefined;
  checkValue(where, "option 'filter'", selector, selectorCheck);
  if (typeof selector === 'function') return selector;
  const strings: readonly string[] = typeof selector === 'string' ? [selector] : selector;
  if (strings.length === 0) return () => false;
  const prefixes: string[] = [];
  const globs: string[] = [];
  for (const p of new Set(strings)) {
    if (GLOB_CHARS.test(p)) globs.push(p);
    else prefixes.push(p);
  }
  if (prefixes.includes('')) return undefined;
  const glob = globs.length === 0 ? undefined : globSetMatcher(globs);
  return (metric: Metric) => {
    const n = metric.name;
    for (const p of prefixes) if (n.startsWith(p)) return true;
    return glob !== undefined && glob(n);
  };
}
