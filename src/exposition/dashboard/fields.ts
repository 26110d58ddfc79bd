/**
 * What the dashboard records of each metric: its fields (a timer's rate, p50 and p99, a
 * gauge's value, ...), their units, and the runtime panel a series belongs to.
 *
 * @module
 * @internal
 */

import type { MetricType } from '../../metrics/metric.js';

/** A unit the page prints on values and axes: per second, milliseconds, bytes, a ratio (printed as %), or none. */
export type DashboardUnit = '/s' | 'ms' | 's' | 'bytes' | 'ratio' | '';

/** The fields one kind of series records, in the order of its data arrays. */
export type FieldLayout = {
  /** Field names (`rate`, `p50`, ...). */
  readonly fields: readonly string[];
  /** The unit of each field. */
  readonly units: readonly DashboardUnit[];
};

/** The unit a name implies by its last segment or suffix (`heap_used_bytes`, `delay_ms`, `cpu.utilization`). */
export function unitOfName(name: string): DashboardUnit {
  if (/(?:^|[._])(?:bytes|size_bytes)$/.test(name)) return 'bytes';
  if (/(?:^|[._])(?:ms|millis|milliseconds)$/.test(name)) return 'ms';
  if (/(?:^|[._])(?:seconds|secs)$/.test(name)) return 's';
  if (/(?:^|[._])(?:utilization|utilisation|ratio)$/.test(name)) return 'ratio';
  return '';
}

const RATE: FieldLayout = Object.freeze({ fields: Object.freeze(['rate']), units: Object.freeze(['/s'] as const) });
const M1: FieldLayout = Object.freeze({ fields: Object.freeze(['m1']), units: Object.freeze(['/s'] as const) });
const TIMER: FieldLayout = Object.freeze({
  fields: Object.freeze(['rate', 'p50', 'p99']),
  units: Object.freeze(['/s', 'ms', 'ms'] as const),
});

/** The layout of the HTTP routes' rows: requests per second, p50, p99, and the share of 5xx answers. */
export const ROUTE_LAYOUT: FieldLayout = Object.freeze({
  fields: Object.freeze(['rate', 'p50', 'p99', 'errors']),
  units: Object.freeze(['/s', 'ms', 'ms', 'ratio'] as const),
});

const byUnit = new Map<string, FieldLayout>();

function cached(key: string, make: () => FieldLayout): FieldLayout {
  let layout = byUnit.get(key);
  if (layout === undefined) {
    layout = Object.freeze(make());
    byUnit.set(key, layout);
  }
  return layout;
}

/**
 * The fields recorded for a series: a counter's rate (per second, from its count), a
 * gauge's value, a meter's 1-minute rate, a histogram's p50 and p99, a timer's rate, p50
 * and p99 (ms). Layouts are shared: one object per kind and unit.
 */
export function layoutOf(type: MetricType, name: string): FieldLayout {
  switch (type) {
    case 'counter':
      return RATE;
    case 'meter':
      return M1;
    case 'timer':
      return TIMER;
    case 'gauge': {
      const unit = unitOfName(name);
      return cached(`g${unit}`, () => ({ fields: ['value'], units: [unit] }));
    }
    case 'histogram': {
      const unit = unitOfName(name);
      return cached(`h${unit}`, () => ({ fields: ['p50', 'p99'], units: [unit, unit] }));
    }
  }
}

/** The roles of the runtime panel, each recognised by the end of a series name. */
const RUNTIME_ROLES: readonly (readonly [role: string, pattern: RegExp])[] = [
  ['event_loop_delay', /(?:^|\.)(?:event_?loop)\.delay(?:_ms)?$/],
  ['event_loop_utilization', /(?:^|\.)(?:event_?loop)\.utili[sz]ation$/],
  ['heap_used', /(?:^|\.)memory\.heap_used(?:_bytes)?$/],
  ['heap_total', /(?:^|\.)memory\.heap_total(?:_bytes)?$/],
  ['rss', /(?:^|\.)memory\.rss(?:_bytes)?$/],
  ['cpu', /(?:^|\.)cpu\.utili[sz]ation$/],
];

/**
 * The runtime panel's role of a series (`heap_used`, `event_loop_delay`, `cpu`, ...), or
 * `undefined`: recognised by name, so runtime metrics collected under any prefix, and a
 * service's own `process.memory.rss_bytes`, show up there.
 */
export function runtimeRole(name: string): string | undefined {
  for (const [role, pattern] of RUNTIME_ROLES) if (pattern.test(name)) return role;
  return undefined;
}
