/**
 * The HTTP recorder: what every framework integration (node-http, Express, Fastify, Koa)
 * records per request, and under which series.
 *
 * An integration starts a request with {@link HttpRecorder.begin} and says how to find
 * the matched route template when the response ends. Series are cached per route, method
 * and status, so a request costs a clock read at each end, two shared listeners, two map
 * lookups and the metric updates.
 *
 * @module
 * @internal
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../clock.js';
import { ErrorCodes, MetricsError, show } from '../../errors.js';
import type { Schema } from '../../internal/options.js';
import { WarningLimiter } from '../../internal/warnings.js';
import type { Counter } from '../../metrics/counter.js';
import type { Gauge } from '../../metrics/gauge.js';
import type { Histogram } from '../../metrics/histogram.js';
import type { Timer } from '../../metrics/timer.js';
import { MAX_NAME_LENGTH, type Tags } from '../../names.js';
import type { MetricRegistry } from '../../registry/types.js';
import { LONGEST_METHOD, LONGEST_STATUS, METHODS, methodKey, NO_STATUS, statusKey, statusValue } from './dimensions.js';
import { readHttpOptions, type HttpDimensions, type HttpStatusTag } from './options.js';
import { contentLength, requestLength, RequestState, stateOf, track, type RequestSink } from './request-state.js';
import { routeSegments, routeTagValue } from './route-names.js';

/** Where a route resolver says a request went: a template, no route (`undefined`), or "not routed" (`null`). */
export type RouteResolution = string | undefined | null;

/** Resolves the route of a finished request from the framework's context. */
export type RouteResolver = (context: unknown, state: RequestState) => RouteResolution;

/**
 * Reads the response's `Content-Length` where the framework keeps it, for frameworks that
 * pass headers straight to `writeHead()` (where `getHeader()` cannot see them).
 */
export type ResponseLengthReader = (context: unknown) => unknown;

/** The route of requests no route matched. */
export const UNMATCHED_ROUTE = 'unmatched';
/** The route of requests beyond `maxRoutes` distinct routes. */
export const OVERFLOW_ROUTE = 'other_routes';

/** The series of one route, method and status. A metric is `undefined` until first needed, `null` if refused. */
type Cell = {
  readonly base: string;
  readonly tags: Tags;
  readonly timer: Timer;
  requestBytes: Histogram | null | undefined;
  responseBytes: Histogram | null | undefined;
  errors: Counter | null | undefined;
};

/** One route: the start of its series' names, its tags, and its cells by method and status. */
type Route = {
  readonly base: string;
  readonly tags: Tags;
  readonly cells: Map<number, Cell | null>;
};

/** Room after the route in a name: `.OPTIONS.aborted.response_bytes`. */
const AFTER_ROUTE = 1 + LONGEST_METHOD + 1 + LONGEST_STATUS + 1 + 'response_bytes'.length;

const NO_TAGS: Tags = Object.freeze({});

/**
 * Records HTTP requests: one per integration instance. Reads and checks its options at
 * construction; never throws while recording.
 *
 * @internal
 */
export class HttpRecorder implements RequestSink {
  readonly #registry: MetricRegistry;
  readonly #prefix: string;
  readonly #dimensions: HttpDimensions;
  readonly #statusTag: HttpStatusTag;
  readonly #methodTag: boolean;
  readonly #sizes: boolean;
  readonly #maxRoutes: number;
  readonly #clock: Clock;
  readonly #where: string;
  readonly #resolve: RouteResolver;
  readonly #responseLength: ResponseLengthReader | undefined;
  readonly #active: Gauge;
  /** Routes by template. */
  readonly #routes = new Map<string, Route>();
  /** The template that owns each route tag value or name, so that two never share one. */
  readonly #owners = new Map<string, string>();
  readonly #unmatched: Route;
  readonly #overflow: Route;
  readonly #unrouted: Route;
  readonly #warnings = new WarningLimiter();
  #routeLimit: MetricsError | undefined = undefined;

  /**
   * @param options - the user's options ({@link HttpMetricsOptions}).
   * @param where - the integration, for messages.
   * @param resolve - finds the route template of a finished request.
   * @param responseLength - reads the response length where the framework keeps it.
   * @param alsoKnown - the integration's own option keys (read by the integration).
   * @throws `InvalidOptionError` or `UnknownOptionError` for a bad or unknown option.
   */
  constructor(
    options: unknown,
    where: string,
    resolve: RouteResolver,
    responseLength?: ResponseLengthReader,
    alsoKnown?: Schema,
  ) {
    const s = readHttpOptions(where, options, alsoKnown);
    this.#registry = s.registry;
    this.#prefix = s.prefix;
    this.#dimensions = s.dimensions;
    this.#statusTag = s.statusTag;
    this.#methodTag = s.methodTag;
    this.#sizes = s.sizes;
    this.#maxRoutes = s.maxRoutes;
    this.#clock = s.clock;
    this.#where = where;
    this.#resolve = resolve;
    this.#responseLength = responseLength;
    this.#active = this.#registry.gauge(`${this.#prefix}.active_requests`);
    this.#unmatched = this.#special(UNMATCHED_ROUTE);
    this.#overflow = this.#special(OVERFLOW_ROUTE);
    this.#unrouted = { base: this.#prefix, tags: NO_TAGS, cells: new Map() };
  }

  /** The gauge of requests in progress. */
  get activeRequests(): Gauge {
    return this.#active;
  }

  /**
   * Starts timing a request. Ends exactly once, when the response finishes or its
   * connection closes first (aborted). A response already being tracked is left alone.
   *
   * @param context - what the route resolver gets (the framework's request or context).
   */
  begin(request: IncomingMessage, response: ServerResponse, context: unknown): RequestState {
    const existing = stateOf(response);
    if (existing !== undefined) return existing;
    const state = new RequestState(this, request, context, this.#clock.monotonicMs());
    track(response, state);
    this.#active.inc();
    return state;
  }

  /** Ends timing (once) and records the request. Never throws. */
  end(state: RequestState, response: ServerResponse, aborted: boolean): void {
    if (state.done) return;
    state.done = true;
    const durationMs = this.#clock.monotonicMs() - state.startMs;
    this.#active.dec();
    try {
      this.#record(state, response, aborted, durationMs);
    } catch (error) {
      this.#fail(error);
    }
  }

  #record(state: RequestState, response: ServerResponse, aborted: boolean, durationMs: number): void {
    const request = state.request;
    let resolution: RouteResolution;
    try {
      resolution = this.#resolve(state.context, state);
    } catch {
      resolution = undefined;
    }
    const route =
      typeof resolution === 'string' ? this.#route(resolution) : resolution === null ? this.#unrouted : this.#unmatched;
    const cell = this.#cell(route, methodKey(request.method), statusKey(this.#statusTag, response.statusCode, aborted));
    if (cell === null) return;
    cell.timer.update(durationMs);
    if (this.#sizes) {
      const requestBytes = requestLength(request);
      if (requestBytes >= 0) {
        if (cell.requestBytes === undefined) cell.requestBytes = this.#histogram(cell, 'request_bytes');
        cell.requestBytes?.record(requestBytes);
      }
      let responseBytes = aborted ? -1 : contentLength(response.getHeader('content-length'));
      if (responseBytes < 0 && !aborted && this.#responseLength !== undefined) {
        responseBytes = contentLength(this.#responseLength(state.context));
      }
      if (responseBytes >= 0) {
        if (cell.responseBytes === undefined) cell.responseBytes = this.#histogram(cell, 'response_bytes');
        cell.responseBytes?.record(responseBytes);
      }
    }
    if (state.error) {
      if (cell.errors === undefined) cell.errors = this.#counter(cell, 'errors');
      cell.errors?.inc();
    }
  }

  /** A special route (`unmatched`, `other_routes`): its value is owned by no template. */
  #special(value: string): Route {
    this.#owners.set(value, '');
    return this.#dimensions === 'tags'
      ? { base: this.#prefix, tags: Object.freeze({ route: value }), cells: new Map() }
      : { base: `${this.#prefix}.${value}`, tags: NO_TAGS, cells: new Map() };
  }

  #route(template: string): Route {
    const found = this.#routes.get(template);
    if (found !== undefined) return found;
    if (this.#routes.size >= this.#maxRoutes) return this.#overflowRoute();
    const tags = this.#dimensions === 'tags';
    const key = tags ? routeTagValue(template) : routeSegments(template, MAX_NAME_LENGTH - this.#prefix.length - 1 - AFTER_ROUTE);
    const owner = this.#owners.get(key);
    let route: Route;
    if (owner === undefined) {
      this.#owners.set(key, template);
      route = tags
        ? { base: this.#prefix, tags: Object.freeze({ route: key }), cells: new Map() }
        : { base: `${this.#prefix}.${key}`, tags: NO_TAGS, cells: new Map() };
    } else {
      // Only a cut (hashed) template or a template spelled like a special route gets here.
      this.#fail(
        new MetricsError(
          ErrorCodes.HTTP_RECORD_FAILED,
          `${this.#where}: the route ${show(template)} would share the series of ${owner === '' ? 'a special route' : show(owner)}; ` +
            `it is recorded under the route ${show(OVERFLOW_ROUTE)}`,
        ),
      );
      route = this.#overflow;
    }
    this.#routes.set(template, route);
    return route;
  }

  #overflowRoute(): Route {
    this.#routeLimit ??= new MetricsError(
      ErrorCodes.ROUTE_LIMIT,
      `${this.#where}: more than ${this.#maxRoutes} distinct routes; requests of further routes are recorded under ` +
        `the route ${show(OVERFLOW_ROUTE)} (are raw paths used as route templates?)`,
    );
    this.#warnings.warn(this.#routeLimit);
    return this.#overflow;
  }

  #cell(route: Route, m: number, s: number): Cell | null {
    const key = m * 1024 + s + 1;
    const found = route.cells.get(key);
    if (found !== undefined) return found;
    let base = route.base;
    let tags = route.tags;
    if (this.#dimensions === 'name') {
      if (this.#methodTag) base += `.${METHODS[m]!}`;
      if (s !== NO_STATUS) base += `.${statusValue(this.#statusTag, s)}`;
    } else if (this.#methodTag || s !== NO_STATUS) {
      const t: Record<string, string> = { ...route.tags };
      if (this.#methodTag) t.method = METHODS[m]!;
      if (s !== NO_STATUS) t.status = statusValue(this.#statusTag, s);
      tags = Object.freeze(t);
    }
    let cell: Cell | null;
    try {
      const timer = this.#registry.timer(`${base}.requests`, { tags });
      cell = { base, tags, timer, requestBytes: undefined, responseBytes: undefined, errors: undefined };
    } catch (error) {
      // Refused (a name or type the registry already holds otherwise): warned once, then skipped.
      this.#fail(error);
      cell = null;
    }
    route.cells.set(key, cell);
    return cell;
  }

  #histogram(cell: Cell, leaf: string): Histogram | null {
    try {
      return this.#registry.histogram(`${cell.base}.${leaf}`, { tags: cell.tags, resolution: 1 });
    } catch (error) {
      this.#fail(error);
      return null;
    }
  }

  #counter(cell: Cell, leaf: string): Counter | null {
    try {
      return this.#registry.counter(`${cell.base}.${leaf}`, { tags: cell.tags });
    } catch (error) {
      this.#fail(error);
      return null;
    }
  }

  #fail(cause: unknown): void {
    const error =
      cause instanceof MetricsError && cause.code === ErrorCodes.HTTP_RECORD_FAILED
        ? cause
        : new MetricsError(
            ErrorCodes.HTTP_RECORD_FAILED,
            `${this.#where}: could not record a request (the request itself is not affected)`,
            { cause },
          );
    this.#warnings.warn(error);
  }
}
