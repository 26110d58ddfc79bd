/**
 * The families of a registry: one per metric name, holding the series of that name
 * (one per tag set) and the options they share, kept as a tree in which a name is a
 * leaf or a branch, never both (`a.b` and `a.b.c` would collide in every backend).
 *
 * @module
 */

import type { MetricType } from '../metrics/metric.js';
import { branchConflict, leafConflict, type FamilyOptions } from './conflicts.js';
import { SeriesIndex } from './series-index.js';
import type { Metric } from './types.js';

/**
 * The series of one name. The family is its own series index (one object per name, not
 * two: 40 bytes less per name, and most names hold one series).
 *
 * @internal
 */
export class Family extends SeriesIndex<Metric> {
  readonly name: string;
  readonly type: MetricType;
  /** The options every series of the name was created with (interned). */
  readonly options: FamilyOptions;

  constructor(name: string, type: MetricType, options: FamilyOptions) {
    super();
    this.name = name;
    this.type = type;
    this.options = options;
  }

  /** The series of the name, by tags: the family itself. */
  get series(): SeriesIndex<Metric> {
    return this;
  }
}

/** The families of one registry, by name, in creation order. @internal */
export class Families {
  readonly #byName = new Map<string, Family>();
  /** Branch name -> number of families beneath it. */
  readonly #branches = new Map<string, number>();

  /** The family of `name`, if it exists. */
  get(name: string): Family | undefined {
    return this.#byName.get(name);
  }

  /** Every family, in creation order. */
  values(): IterableIterator<Family> {
    return this.#byName.values();
  }

  /**
   * Adds the family of a new name.
   *
   * @throws {@link MetricConflictError} (`ERR_TAPEMEASURE_TREE_CONFLICT`) if the name is a
   *   branch already, or would make an existing metric one.
   */
  add(name: string, type: MetricType, options: FamilyOptions): Family {
    if (this.#branches.has(name)) throw branchConflict(name, type);
    const prefixes: string[] = [];
    for (let i = name.indexOf('.'); i !== -1; i = name.indexOf('.', i + 1)) {
      const prefix = name.slice(0, i);
      if (this.#byName.has(prefix)) throw leafConflict(name, prefix);
      prefixes.push(prefix);
    }
    for (const prefix of prefixes) this.#branches.set(prefix, (this.#branches.get(prefix) ?? 0) + 1);
    const family = new Family(name, type, options);
    this.#byName.set(name, family);
    return family;
  }

  /** Removes one series of `family`; the family goes with its last series. */
  removeSeries(family: Family, metric: Metric): void {
    family.series.delete(metric.tags, metric);
    if (family.series.size > 0 || this.#byName.get(family.name) !== family) return;
    this.#byName.delete(family.name);
    for (let i = family.name.indexOf('.'); i !== -1; i = family.name.indexOf('.', i + 1)) {
      const prefix = family.name.slice(0, i);
      const n = (this.#branches.get(prefix) ?? 1) - 1;
      if (n === 0) this.#branches.delete(prefix);
      else this.#branches.set(prefix, n);
    }
  }
}
