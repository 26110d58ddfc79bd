/**
 * `tapemeasure/cluster`: many processes, one view. Workers `forward()` mergeable state
 * (counter totals, gauge values, HDR bucket counts of the window slices that changed);
 * the aggregator's `aggregate()` merges it into a read-only registry view that every
 * reporter and the pull endpoint take like any registry. See `docs/cluster.md`.
 *
 * @module tapemeasure/cluster
 */
/// <reference types="node" preserve="true" />

export { aggregate, Fleet } from './aggregate.js';
export type { AggregateOptions } from './aggregate.js';
export { forward, NoAggregatorError } from './forward.js';
export type { ForwardOptions } from './forward.js';
export { Forwarder } from './forwarder.js';
export { FleetRegistry, ReadOnlyRegistryError } from './fleet-registry.js';
