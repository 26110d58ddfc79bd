/**
 * What the HTTP integrations share: options, series naming and the per-request
 * recording that ends exactly once, on `'finish'` or on an early `'close'`.
 *
 * Every framework integration (node-http, Express, Fastify, Koa) starts a request with
 * {@link HttpRecorder.begin} and tells how to find the matched route template when the
 * response ends. Series are cached per route, method and status, so a request costs one
 * clock read at each end, two listener calls and a few map lookups.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../clock.js';
import { defaultRegistry } from '../../registry/default-registry.js';
import { InvalidOptionError, show } from '../../errors.js';
import type { Counter } from '../../metrics/counter.js';
import type { Gauge } from '../../metrics/gauge.js';
import type { Histogram } from '../../metrics/histogram.js';
import type { Timer } from '../../metrics/timer.js';
import { encodeSegment, MAX_NAME_LENGTH, MAX_SEGMENT_LENGTH, validateName, type Tags } from '../../names.js';
import type { MetricFactory } from '../../registry/types.js';

/**
 * How the status of a response is tagged: `'class'` (`2xx`, `4xx`...), `'code'` (`200`,
 * `404`...) or `'none'` (no status tag). Aborted requests are tagged `aborted` unless `'none'`.
 */
export type HttpStatusTag = 'class' | 'code' | 'none';

/** What a custom {@link HttpMetricsOptions.name} function is told about a finished request. */
export type HttpRequestInfo = {
  /** The request method, upper case; methods outside the standard nine are `OTHER`. */
  readonly method: string;
  /** The matched route template with its mount prefix (`/users/:id`), or `undefined` when no route matched. */
  readonly route: string | undefined;
  /** The response status code (what the application set, even if the client went away). */
  readonly statusCode: number;
  /** Whether the connection closed before the response finished. */
  readonly aborted: boolean;
  /** The request itself. Keep what you derive from it bounded: never use the raw path. */
  readonly request: IncomingMessage;
};

/**
 * The base name and extra tags a custom {@link HttpMetricsOptions.name} function returns.
 * The request series are named `<name>.requests`, `<name>.request_bytes`, ...
 */
export type HttpSeriesName = {
  /**
   * A dotted base name. A segment that is not a valid name segment (`/users/:id`) is
   * passed through {@link encodeSegment}, so any string is safe.
   */
  readonly name: string;
  /** Extra tags of every series of this request (`method` and `status` are added). */
  readonly tags?: Tags;
};

/** Options shared by every HTTP integration. */
export type HttpMetricsOptions = {
  /**
   * Where the metrics go: a registry or a scope of one.
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricFactory;
  /**
   * The prefix of every series name.
   *
   * @defaultValue `'http'`
   */
  readonly prefix?: string;
  /**
   * How the response status is tagged on the request timer.
   *
   * @defaultValue `'class'`
   */
  readonly statusTag?: HttpStatusTag;
  /**
   * Whether series are tagged with the request method.
   *
   * @defaultValue true
   */
  readonly methodTag?: boolean;
  /**
   * Whether request and response sizes (from `Content-Length`, when known) are recorded
   * in histograms, in bytes.
   *
   * @defaultValue true
   */
  readonly sizes?: boolean;
  /**
   * Names a request's series from what is known when it ends. The default names them
   * `<prefix>.<encoded route>` (`http._2Fusers_2F_3Aid`), and `<prefix>.unmatched` when
   * no route matched. Called once per request; it must return a bounded set of names.
   * If it throws or returns a name the registry refuses, the default name is used and
   * one warning is emitted.
   */
  readonly name?: (info: HttpRequestInfo) => HttpSeriesName;
  /**
   * The most distinct route series (templates or custom names) one integration creates;
   * requests beyond it are recorded under `<prefix>.other_routes`, with one warning.
   * A guard against raw paths used as names: route templates are far fewer.
   *
   * @defaultValue 1000
   */
  readonly maxRoutes?: number;
  /**
   * The clock that times requests (monotonic milliseconds).
   *
   * @defaultValue the clock of `registry` (a registry or a scope of one)
   */
  readonly clock?: Clock;
};

/** Where a route resolver says a request went: a template, no route (`undefined`), or "not routed" (`null`). */
export type RouteResolution = string | undefined | null;

/** Resolves the route of a finished request from the framework's context. */
export type RouteResolver = (context: unknown, state: RequestState) => RouteResolution;

/**
 * Reads the response's `Content-Length` where the framework keeps it, for frameworks that
 * pass headers straight to `writeHead()` (where `getHeader()` cannot see them).
 */
export type ResponseLengthReader = (context: unknown) => unknown;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'OTHER'] as const;
const OTHER_METHOD = METHODS.length - 1;

function methodIndex(method: string | undefined): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'HEAD':
      return 1;
    case 'POST':
      return 2;
    case 'PUT':
      return 3;
    case 'DELETE':
      return 4;
    case 'CONNECT':
      return 5;
    case 'OPTIONS':
      return 6;
    case 'TRACE':
      return 7;
    case 'PATCH':
      return 8;
    default:
      return OTHER_METHOD;
  }
}

/** The status key of the aborted series (never a real status). */
const ABORTED = 1000;

function statusKey(mode: HttpStatusTag, statusCode: number, aborted: boolean): number {
  if (mode === 'none') return 0;
  if (aborted) return ABORTED;
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return 0;
  return mode === 'class' ? Math.floor(statusCode / 100) : statusCode;
}

function statusValue(mode: HttpStatusTag, key: number): string {
  if (key === ABORTED) return 'aborted';
  if (key === 0) return 'other';
  return mode === 'class' ? `${key}xx` : String(key);
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Makes any dotted string a valid name: each segment that is not already valid is
 * passed through {@link encodeSegment}; too long a segment or name is cut and suffixed
 * with a hash of the whole.
 *
 * @internal
 */
export function safeName(dotted: string): string {
  let out = '';
  for (const part of dotted.split('.')) {
    const segment = cut(SEGMENT.test(part) ? part : encodeSegment(part), MAX_SEGMENT_LENGTH);
    out = out === '' ? segment : `${out}.${segment}`;
  }
  // Room for the longest leaf; a cut may end on a dot, and "-hash" is then a segment of its own.
  return cut(out, MAX_NAME_LENGTH - LONGEST_LEAF);
}

/** The longest leaf added to a base name (`.response_bytes`). */
const LONGEST_LEAF = '.response_bytes'.length;

/** FNV-1a, 32 bits, of a string's UTF-16 code units, as 8 hex digits. */
function hash(value: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Cuts `value` to `max` characters, ending with a hash of the whole so distinct values stay distinct. */
function cut(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 9)}-${hash(value)}`;
}

/**
 * Encodes a route template as one segment no longer than a segment may be: a longer one
 * is cut and suffixed with a hash of the whole.
 *
 * @internal
 */
export function routeSegment(template: string): string {
  return cut(encodeSegment(template), MAX_SEGMENT_LENGTH);
}

/** The series of one route (or of one custom base name), created on first use. */
class RouteSeries {
  readonly base: string;
  readonly extraTags: Tags | undefined;
  readonly timers = new Map<number, Timer>();
  readonly requestBytes: (Histogram | undefined)[] = [];
  readonly responseBytes: (Histogram | undefined)[] = [];
  readonly errors: (Counter | undefined)[] = [];
  readonly aborted: (Counter | undefined)[] = [];

  constructor(base: string, extraTags: Tags | undefined) {
    this.base = base;
    this.extraTags = extraTags;
  }
}

/**
 * The bookkeeping of one request in flight. Integrations may use `error` and the
 * router fields (`mount`, `stale`, `pinned*`); the rest is the recorder's.
 *
 * @internal
 */
export class RequestState {
  readonly recorder: HttpRecorder;
  readonly request: IncomingMessage;
  readonly context: unknown;
  readonly startMs: number;
  /** Whether timing has ended. */
  done = false;
  /** Whether the application raised an error while handling this request. */
  error = false;
  /** The route template prefix of the routers the request is in (Express). */
  mount = '';
  /** A route the request left without being answered (Express fall-through). */
  stale: unknown = undefined;
  /** A route the request left with an error, and its full template (Express). */
  pinnedRoute: unknown = undefined;
  /** The full template of `pinnedRoute`. */
  pinnedTemplate: string | undefined = undefined;

  constructor(recorder: HttpRecorder, request: IncomingMessage, context: unknown, startMs: number) {
    this.recorder = recorder;
    this.request = request;
    this.context = context;
    this.startMs = startMs;
  }
}

const STATE = Symbol('tapemeasure.http.state');

type WithState = ServerResponse & { [STATE]?: RequestState };

/**
 * The request state attached to a response by {@link HttpRecorder.begin}, if any.
 *
 * @internal
 */
export function stateOf(response: ServerResponse): RequestState | undefined {
  return (response as WithState)[STATE];
}

/**
 * Marks the request of `response` as having raised an error (counted once when it ends).
 *
 * @internal
 */
export function markError(response: ServerResponse): void {
  const state = (response as WithState)[STATE];
  if (state !== undefined) state.error = true;
}

// Shared listeners (no closure per request): `this` is the response.
function onFinish(this: ServerResponse): void {
  const state = (this as WithState)[STATE];
  if (state !== undefined) state.recorder.end(state, this, false);
}

function onClose(this: ServerResponse): void {
  const state = (this as WithState)[STATE];
  if (state !== undefined) state.recorder.end(state, this, !this.writableFinished);
}

/**
 * The request's Content-Length, or -1. Reads `rawHeaders`: Node builds `request.headers`
 * lazily, and an application that never reads it should not pay for it here.
 */
function requestLength(request: IncomingMessage): number {
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === 14 && key.toLowerCase() === 'content-length') return contentLength(raw[i + 1]);
  }
  return -1;
}

function contentLength(value: unknown): number {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : -1;
  if (typeof value !== 'string' || value === '') return -1;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : -1;
}

/**
 * Records HTTP requests: one per integration instance. Validates its options at
 * construction; never throws while recording.
 *
 * @internal
 */
export class HttpRecorder {
  readonly #registry: MetricFactory;
  readonly #prefix: string;
  readonly #statusTag: HttpStatusTag;
  readonly #methodTag: boolean;
  readonly #sizes: boolean;
  readonly #name: ((info: HttpRequestInfo) => HttpSeriesName) | undefined;
  readonly #clock: Clock;
  readonly #resolve: RouteResolver;
  readonly #responseLength: ResponseLengthReader | undefined;
  readonly #inFlight: Gauge;
  /** Series by route template. */
  readonly #routes = new Map<string, RouteSeries>();
  /** Series by custom name and tags. */
  readonly #custom = new Map<string, RouteSeries>();
  readonly #maxRoutes: number;
  readonly #unmatched: RouteSeries;
  readonly #all: RouteSeries;
  readonly #overflow: RouteSeries;
  #warned = false;
  #overflowWarned = false;

  /**
   * @param options - the user's options.
   * @param what - the integration, for error messages.
   * @param resolve - finds the route template of a finished request.
   * @param responseLength - reads the response length where the framework keeps it.
   * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) for a bad option.
   */
  constructor(
    options: HttpMetricsOptions | undefined,
    what: string,
    resolve: RouteResolver,
    responseLength?: ResponseLengthReader,
  ) {
    const o = options ?? {};
    if (typeof o !== 'object' || o === null) {
      throw new InvalidOptionError(`${what}: options must be an object, received ${show(o)}`);
    }
    this.#registry = o.registry ?? defaultRegistry;
    if (typeof this.#registry.timer !== 'function' || typeof this.#registry.gauge !== 'function') {
      throw new InvalidOptionError(`${what}: registry must be a Registry or a scope, received ${show(o.registry)}`);
    }
    this.#prefix = o.prefix ?? 'http';
    try {
      validateName(this.#prefix);
    } catch (error) {
      throw new InvalidOptionError(`${what}: prefix ${show(o.prefix)} is not a valid name: ${(error as Error).message}`);
    }
    if (this.#prefix.length > MAX_NAME_LENGTH - MAX_SEGMENT_LENGTH - LONGEST_LEAF - 1) {
      throw new InvalidOptionError(`${what}: prefix is too long for the names under it: ${show(o.prefix)}`);
    }
    this.#statusTag = o.statusTag ?? 'class';
    if (this.#statusTag !== 'class' && this.#statusTag !== 'code' && this.#statusTag !== 'none') {
      throw new InvalidOptionError(`${what}: statusTag must be 'class', 'code' or 'none', received ${show(o.statusTag)}`);
    }
    this.#methodTag = o.methodTag ?? true;
    if (typeof this.#methodTag !== 'boolean') {
      throw new InvalidOptionError(`${what}: methodTag must be a boolean, received ${show(o.methodTag)}`);
    }
    this.#sizes = o.sizes ?? true;
    if (typeof this.#sizes !== 'boolean') {
      throw new InvalidOptionError(`${what}: sizes must be a boolean, received ${show(o.sizes)}`);
    }
    if (o.name !== undefined && typeof o.name !== 'function') {
      throw new InvalidOptionError(`${what}: name must be a function, received ${show(o.name)}`);
    }
    this.#name = o.name;
    this.#clock = o.clock ?? this.#registry.clock;
    if (typeof this.#clock.monotonicMs !== 'function') {
      throw new InvalidOptionError(`${what}: clock must implement monotonicMs(), received ${show(o.clock)}`);
    }
    this.#maxRoutes = o.maxRoutes ?? 1000;
    if (!Number.isInteger(this.#maxRoutes) || this.#maxRoutes < 1) {
      throw new InvalidOptionError(`${what}: maxRoutes must be an integer >= 1, received ${show(o.maxRoutes)}`);
    }
    this.#resolve = resolve;
    this.#responseLength = responseLength;
    // Created last: nothing is registered for options that are refused.
    this.#inFlight = this.#registry.gauge(`${this.#prefix}.in_flight`);
    this.#unmatched = new RouteSeries(`${this.#prefix}.unmatched`, undefined);
    this.#all = new RouteSeries(`${this.#prefix}.all`, undefined);
    this.#overflow = new RouteSeries(`${this.#prefix}.other_routes`, undefined);
  }

  /** The gauge of requests in flight. */
  get inFlight(): Gauge {
    return this.#inFlight;
  }

  /**
   * Starts timing a request. Ends exactly once, when the response finishes or its
   * connection closes first (aborted). A response already being tracked is left alone.
   *
   * @param context - what the route resolver gets (the framework's request or context).
   */
  begin(request: IncomingMessage, response: ServerResponse, context: unknown): RequestState {
    const existing = (response as WithState)[STATE];
    if (existing !== undefined) return existing;
    const state = new RequestState(this, request, context, this.#clock.monotonicMs());
    (response as WithState)[STATE] = state;
    this.#inFlight.inc();
    response.on('finish', onFinish);
    response.on('close', onClose);
    return state;
  }

  /** Ends timing (once) and records the request. Never throws. */
  end(state: RequestState, response: ServerResponse, aborted: boolean): void {
    if (state.done) return;
    state.done = true;
    const durationMs = this.#clock.monotonicMs() - state.startMs;
    this.#inFlight.dec();
    // The listeners stay: they find state.done set, and the response is per request anyway.
    try {
      this.#record(state, response, aborted, durationMs);
    } catch (error) {
      this.#warn(error);
    }
  }

  #record(state: RequestState, response: ServerResponse, aborted: boolean, durationMs: number): void {
    const request = state.request;
    const m = methodIndex(request.method);
    let route: RouteResolution;
    try {
      route = this.#resolve(state.context, state);
    } catch {
      route = undefined;
    }
    let series: RouteSeries;
    if (this.#name !== undefined) series = this.#customSeries(m, route, response.statusCode, aborted, request);
    else series = this.#defaultSeries(route);
    const s = statusKey(this.#statusTag, response.statusCode, aborted);
    this.#timer(series, m, s).update(durationMs);
    if (this.#sizes) {
      const requestBytes = requestLength(request);
      if (requestBytes >= 0) {
        (series.requestBytes[m] ??= this.#registry.histogram(`${series.base}.request_bytes`, this.#opts(series, m, -1, 1))).record(requestBytes);
      }
      let responseBytes = aborted ? -1 : contentLength(response.getHeader('content-length'));
      if (responseBytes < 0 && !aborted && this.#responseLength !== undefined) {
        responseBytes = contentLength(this.#responseLength(state.context));
      }
      if (responseBytes >= 0) {
        (series.responseBytes[m] ??= this.#registry.histogram(`${series.base}.response_bytes`, this.#opts(series, m, -1, 1))).record(responseBytes);
      }
    }
    if (state.error) (series.errors[m] ??= this.#registry.counter(`${series.base}.errors`, this.#opts(series, m, -1))).inc();
    if (aborted) (series.aborted[m] ??= this.#registry.counter(`${series.base}.aborted`, this.#opts(series, m, -1))).inc();
  }

  #timer(series: RouteSeries, m: number, s: number): Timer {
    const key = m * 1024 + s;
    let timer = series.timers.get(key);
    if (timer === undefined) {
      timer = this.#registry.timer(`${series.base}.requests`, this.#opts(series, m, s));
      series.timers.set(key, timer);
    }
    return timer;
  }

  #opts(series: RouteSeries, m: number, s: number, resolution?: number): { tags: Tags; resolution?: number } {
    const tags: Record<string, string> = { ...series.extraTags };
    if (this.#methodTag) tags.method = METHODS[m]!;
    if (s >= 0 && this.#statusTag !== 'none') tags.status = statusValue(this.#statusTag, s);
    return resolution === undefined ? { tags } : { tags, resolution };
  }

  #customSeries(m: number, route: RouteResolution, statusCode: number, aborted: boolean, request: IncomingMessage): RouteSeries {
    const namer = this.#name!;
    let named: HttpSeriesName;
    try {
      named = namer({ method: METHODS[m]!, route: route ?? undefined, statusCode, aborted, request });
      if (typeof named !== 'object' || named === null || typeof named.name !== 'string' || named.name === '') {
        throw new InvalidOptionError(`the name function returned ${show(named)}, not { name, tags? }`);
      }
    } catch (error) {
      this.#warn(error);
      return this.#defaultSeries(route);
    }
    const base = safeName(named.name);
    const tags = named.tags;
    let key = base;
    if (tags !== undefined) for (const k of Object.keys(tags).sort()) key += `\u0000${k}\u0001${String(tags[k])}`;
    let found = this.#custom.get(key);
    if (found === undefined) {
      if (this.#routes.size + this.#custom.size >= this.#maxRoutes) return this.#overflowSeries();
      found = new RouteSeries(base, tags);
      // Register now, so a refused name or tag falls back to the default name once, not on every request.
      try {
        this.#timer(found, m, statusKey(this.#statusTag, statusCode, aborted));
      } catch (error) {
        this.#warn(error);
        return this.#defaultSeries(route);
      }
      this.#custom.set(key, found);
    }
    return found;
  }

  #defaultSeries(route: RouteResolution): RouteSeries {
    if (route === null) return this.#all;
    if (typeof route !== 'string') return this.#unmatched;
    let found = this.#routes.get(route);
    if (found === undefined) {
      if (this.#routes.size + this.#custom.size >= this.#maxRoutes) return this.#overflowSeries();
      found = new RouteSeries(`${this.#prefix}.${routeSegment(route)}`, undefined);
      this.#routes.set(route, found);
    }
    return found;
  }

  #overflowSeries(): RouteSeries {
    if (!this.#overflowWarned) {
      this.#overflowWarned = true;
      process.emitWarning(
        `tapemeasure HTTP metrics saw more than ${this.#maxRoutes} distinct routes; further routes are ` +
          `recorded under ${show(this.#overflow.base)} (are raw paths being used as route names?)`,
        { code: 'TAPEMEASURE_SERIES_LIMIT' },
      );
    }
    return this.#overflow;
  }

  #warn(error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    process.emitWarning(`tapemeasure HTTP metrics could not record a request: ${String(error)}`, {
      code: 'TAPEMEASURE_HTTP_METRICS',
    });
  }
}
