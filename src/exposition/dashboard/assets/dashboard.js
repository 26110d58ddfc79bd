/*
 * tapemeasure dashboard: polls the JSON feed next to this script and draws it with uPlot.
 * Plain browser JavaScript, no build step, one file (the page loads this script and
 * uPlot, nothing else); served same-origin under a strict CSP, so nothing here is inline:
 * styles live in dashboard.css or are set through the CSSOM.
 *
 * Sections: formatting, state (merging full and incremental feeds), chart cards,
 * the routes table, the runtime panel, the header, polling (one request at a time,
 * backoff when unreachable), controls.
 */
/* global uPlot, document, window, location, getComputedStyle, ResizeObserver, URL, URLSearchParams, fetch,
   AbortController, setTimeout, clearTimeout, setInterval */
(() => {
  'use strict';

  const FEED = new URL('feed', document.currentScript?.src ?? location.href).href;
  const DEFAULT_LIMIT = 30;
  const MAX_LIMIT = 100;
  const MAX_BACKOFF_MS = 30_000;
  const REQUEST_TIMEOUT_MS = 10_000;
  const LABELS = { rate: 'rate', m1: 'm1 rate', p50: 'p50', p99: 'p99', value: 'value', errors: 'errors' };
  const NON_NEGATIVE = new Set(['/s', 'ms', 's', 'bytes', 'ratio']);
  /** The colour (a --cN variable of dashboard.css) of each field, the same in every chart. */
  const FIELD_COLOR = { rate: 1, m1: 1, value: 1, p50: 2, p99: 3, errors: 3, heap_used: 1, heap_total: 4, rss: 2, cpu: 1, event_loop_utilization: 4 };

  // ---------------------------------------------------------------------------------
  // Formatting: three significant digits and a unit on every number.

  const sig = (v) => {
    const a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 1e15 || a < 1e-6) return v.toExponential(2);
    return String(Number(v.toPrecision(3)));
  };

  const format = (v, unit) => {
    if (v === null || v === undefined || !Number.isFinite(v)) return '–';
    const a = Math.abs(v);
    switch (unit) {
      case 'ms':
        if (a >= 1000) return `${sig(v / 1000)} s`;
        return a > 0 && a < 1 ? `${sig(v * 1000)} µs` : `${sig(v)} ms`;
      case 's':
        return a > 0 && a < 1 ? format(v * 1000, 'ms') : `${sig(v)} s`;
      case 'bytes':
        if (a >= 2 ** 30) return `${sig(v / 2 ** 30)} GiB`;
        if (a >= 2 ** 20) return `${sig(v / 2 ** 20)} MiB`;
        return a >= 1024 ? `${sig(v / 1024)} KiB` : `${sig(v)} B`;
      case '/s':
        return `${sig(v)}/s`;
      case 'ratio':
        return `${sig(v * 100)}%`;
      default:
        return sig(v);
    }
  };

  const pad = (n) => String(n).padStart(2, '0');

  /** A time axis label: 24-hour local time, with seconds when the span is short. */
  const clockLabel = (seconds, withSeconds) => {
    const d = new Date(seconds * 1000);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}${withSeconds ? `:${pad(d.getSeconds())}` : ''}`;
  };

  /** Tick increments of byte axes: powers of two of B, KiB, MiB, GiB, TiB. */
  const BINARY_INCREMENTS = [];
  for (let k = 0; k <= 4; k++) for (let e = 0; e < 10; e++) BINARY_INCREMENTS.push(2 ** e * 1024 ** k);

  const ago = (ms) => {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s} s ago`;
    const m = Math.floor(s / 60);
    return m < 60 ? `${m} min ago` : `${Math.floor(m / 60)} h ago`;
  };

  const tagText = (tags) => Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(' ');

  const $ = (id) => document.getElementById(id);

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  const setValue = (node, v, unit) => {
    if (v === null || v === undefined) delete node.dataset.value;
    else node.dataset.value = String(v);
    node.dataset.unit = unit;
    node.textContent = format(v, unit);
  };

  // ---------------------------------------------------------------------------------
  // State: the samples of the current ring, merged from full and incremental feeds.

  const state = {
    feed: null,
    ring: null,
    seq: 0,
    intervalMs: 1000,
    historyMs: 600_000,
    t: [],
    byId: new Map(),
    overview: [],
    runtime: [],
    routes: [],
    route: null,
    selectedRoute: null,
    sort: { key: 'rate', dir: -1 },
    filter: '',
    limit: DEFAULT_LIMIT,
    needFull: true,
    generation: 0,
    lastOk: 0,
    failures: 0,
    nextAt: 0,
    inflight: false,
    again: false,
    timer: 0,
  };

  const copy = (s) => ({ meta: s, data: s.data.map((a) => a.slice()) });

  const apply = (feed) => {
    state.intervalMs = feed.intervalMs;
    state.historyMs = feed.historyMs;
    const all = [...feed.series, ...feed.runtime];
    if (feed.full) {
      state.t = feed.t.slice();
      state.byId = new Map();
      for (const s of all) if (!state.byId.has(s.id)) state.byId.set(s.id, copy(s));
      state.route = feed.route ? copy(feed.route) : null;
    } else {
      state.t.push(...feed.t);
      const present = new Set();
      for (const s of all) {
        if (present.has(s.id)) continue;
        present.add(s.id);
        const have = state.byId.get(s.id);
        // A series this page has no history of: ask for everything next time.
        if (have === undefined) state.needFull = true;
        else s.data.forEach((values, f) => have.data[f].push(...values));
      }
      for (const id of state.byId.keys()) if (!present.has(id)) state.byId.delete(id);
      if (feed.route && state.route?.meta.id === feed.route.id) {
        feed.route.data.forEach((values, f) => state.route.data[f].push(...values));
      } else if (feed.route) {
        state.needFull = true;
      } else {
        state.route = null;
      }
    }
    const excess = state.t.length - (Math.ceil(state.historyMs / state.intervalMs) + 1);
    if (excess > 0) {
      state.t.splice(0, excess);
      for (const s of state.byId.values()) for (const a of s.data) a.splice(0, excess);
      if (state.route) for (const a of state.route.data) a.splice(0, excess);
    }
    state.feed = feed;
    state.ring = feed.ring;
    state.seq = feed.seq;
    state.overview = feed.series.map((s) => s.id).filter((id) => state.byId.has(id));
    state.runtime = feed.runtime.map((s) => s.id).filter((id) => state.byId.has(id));
    state.routes = feed.routes;
  };

  // ---------------------------------------------------------------------------------
  // Chart cards: a title, the latest values, and a uPlot chart created once it has a width.

  const cards = new Map();
  let xs = [];

  const colorOf = (line, i) => FIELD_COLOR[line.field] ?? (i % 5) + 1;

  const rangeFor = (unit) =>
    NON_NEGATIVE.has(unit) ? (_u, _min, max) => [0, max > 0 ? max * 1.1 : unit === 'ratio' ? 0.01 : 1] : undefined;

  class Card {
    constructor(key, parent, spec) {
      this.key = key;
      this.spec = spec;
      this.plot = null;
      this.hover = null;
      this.data = null;
      this.root = el('article', 'card');
      this.root.dataset.key = key;
      if (spec.id !== undefined) this.root.dataset.id = String(spec.id);
      const title = el('h3', '', spec.title);
      title.title = spec.title;
      const values = el('ul', 'values');
      this.items = spec.lines.map((line, i) => {
        const li = el('li');
        li.dataset.field = line.field;
        const value = el('span', 'value', '–');
        value.dataset.unit = line.unit;
        li.append(el('span', `swatch s${colorOf(line, i)}`), el('span', 'label', line.label), value);
        values.append(li);
        return value;
      });
      this.chart = el('div', 'chart');
      this.chart.setAttribute('role', 'img');
      this.chart.setAttribute('aria-label', `${spec.title}: ${spec.lines.map((l) => l.label).join(', ')} over time`);
      this.root.append(title, el('p', 'tags', spec.tags ?? ''), values, this.chart);
      parent.append(this.root);
      this.observer = new ResizeObserver(() => this.resize());
      this.observer.observe(this.chart);
    }

    resize() {
      const width = Math.floor(this.chart.clientWidth);
      if (width <= 0) return;
      if (this.plot === null) this.build(width);
      else if (Math.abs(this.plot.width - width) > 1) this.plot.setSize({ width, height: this.spec.height ?? 150 });
    }

    build(width) {
      const { lines } = this.spec;
      const units = [];
      for (const l of lines) if (!units.includes(l.unit) && units.length < 2) units.push(l.unit);
      const muted = cssVar('--muted');
      const grid = cssVar('--grid');
      const font = `11px ${cssVar('--font')}`;
      // At least 60 intervals (a minute by default), so that a young history grows from the right.
      const span = (60 * state.intervalMs) / 1000;
      const scales = { x: { time: true, range: (_u, min, max) => [Math.min(min, max - span), max] } };
      const axes = [{
        stroke: muted, font, size: 28, space: 64,
        grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1, size: 4 },
        values: (_u, splits) => {
          const withSeconds = splits.some((v) => Math.round(v) % 60 !== 0);
          return splits.map((v) => clockLabel(v, withSeconds));
        },
      }];
      units.forEach((unit, i) => {
        const range = rangeFor(unit);
        scales[`y${i}`] = range ? { range } : {};
        axes.push({
          scale: `y${i}`, side: i === 0 ? 3 : 1, stroke: muted, font, size: 62, gap: 4,
          grid: { show: i === 0, stroke: grid, width: 1 }, ticks: { show: false },
          values: (_u, splits) => splits.map((v) => format(v, unit)),
          ...(unit === 'bytes' ? { incrs: BINARY_INCREMENTS } : {}),
        });
      });
      const series = [{}, ...lines.map((line, i) => ({
        label: line.label,
        scale: `y${Math.max(0, units.indexOf(line.unit))}`,
        stroke: cssVar(`--c${colorOf(line, i)}`),
        width: 1.5,
        points: { show: false },
        value: (_u, v) => format(v, line.unit),
      }))];
      this.plot = new uPlot({
        width, height: this.spec.height ?? 150, scales, axes, series,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 6 } },
        hooks: {
          setCursor: [(u) => {
            this.hover = u.cursor.idx ?? null;
            this.showValues();
          }],
        },
      }, this.data ?? [[]], this.chart);
    }

    update(data) {
      this.data = data;
      if (this.plot === null) this.resize();
      else this.plot.setData(data);
      this.showValues();
    }

    /** The values at the cursor while hovering, the latest otherwise. */
    showValues() {
      if (this.data === null) return;
      const n = this.data[0].length;
      const at = this.hover !== null && this.hover < n ? this.hover : n - 1;
      this.items.forEach((node, i) => setValue(node, at >= 0 ? this.data[i + 1]?.[at] : null, node.dataset.unit));
      this.root.classList.toggle('hovering', this.hover !== null);
    }

    rebuild() {
      this.plot?.destroy();
      this.plot = null;
      this.resize();
    }

    destroy() {
      this.observer.disconnect();
      this.plot?.destroy();
      this.root.remove();
    }
  }

  /** Keeps exactly the cards `wanted` ({ key, spec, data }), in order, in `parent`. */
  const sync = (parent, wanted) => {
    const keep = new Set(wanted.map((w) => w.key));
    for (const node of [...parent.children]) {
      if (keep.has(node.dataset.key)) continue;
      cards.get(node.dataset.key)?.destroy();
      cards.delete(node.dataset.key);
    }
    wanted.forEach((w, i) => {
      let card = cards.get(w.key);
      if (card === undefined) {
        card = new Card(w.key, parent, w.spec);
        cards.set(w.key, card);
      }
      if (parent.children[i] !== card.root) parent.insertBefore(card.root, parent.children[i] ?? null);
      card.update(w.data);
    });
  };

  const renderOverview = () => {
    const wanted = state.overview.map((id) => {
      const { meta, data } = state.byId.get(id);
      return {
        key: `s${meta.id}:${meta.fields.join(',')}:${meta.units.join(',')}`,
        spec: {
          id: meta.id,
          title: meta.name,
          tags: tagText(meta.tags),
          lines: meta.fields.map((f, i) => ({ label: LABELS[f] ?? f, unit: meta.units[i], field: f })),
        },
        data: [xs, ...data],
      };
    });
    sync($('overview'), wanted);
    const { matched } = state.feed;
    const shown = wanted.length;
    const matching = state.filter ? ` matching “${state.filter}”` : '';
    $('shown').textContent =
      matched === 0 ? (state.filter ? `No series match “${state.filter}”.` : 'No series yet.')
        : shown < matched ? `Showing ${shown} of ${matched} series${matching}, by name.`
          : `Showing ${shown === 1 ? 'the one series' : `all ${shown} series`}${matching}.`;
    $('show-more').hidden = !(shown < matched && state.limit < MAX_LIMIT);
  };

  // ---------------------------------------------------------------------------------
  // Runtime panel: the server recognises runtime series by name (their `role`).

  const renderRuntime = () => {
    const byRole = {};
    for (const id of state.runtime) {
      const s = state.byId.get(id);
      if (s?.meta.role) byRole[s.meta.role] = s;
    }
    const fieldOf = (s, name) => s.data[s.meta.fields.indexOf(name)] ?? xs.map(() => null);
    const panel = (key, title, roles, unit) => {
      const present = roles.filter(([role]) => byRole[role]);
      if (present.length === 0) return [];
      return [{
        key: `rt:${key}:${present.map(([role]) => byRole[role].meta.id).join(',')}`,
        spec: {
          title,
          tags: present.map(([role]) => byRole[role].meta.name).join(' · '),
          lines: present.map(([role, label]) => ({ label, unit, field: role })),
        },
        data: [xs, ...present.map(([role]) => byRole[role].data[0])],
      }];
    };
    const wanted = [];
    const delay = byRole.event_loop_delay;
    if (delay) {
      const unit = delay.meta.units[delay.meta.fields.indexOf('p50')] || 'ms';
      wanted.push({
        key: `rt:delay:${delay.meta.id}`,
        spec: { title: 'Event-loop delay', tags: delay.meta.name, lines: [{ label: 'p50', unit, field: 'p50' }, { label: 'p99', unit, field: 'p99' }] },
        data: [xs, fieldOf(delay, 'p50'), fieldOf(delay, 'p99')],
      });
    }
    wanted.push(
      ...panel('memory', 'Memory', [['heap_used', 'heap used'], ['heap_total', 'heap total'], ['rss', 'rss']], 'bytes'),
      ...panel('cpu', 'CPU', [['cpu', 'CPU'], ['event_loop_utilization', 'event-loop busy']], 'ratio'),
    );
    $('runtime-section').hidden = wanted.length === 0;
    sync($('runtime'), wanted);
  };

  // ---------------------------------------------------------------------------------
  // HTTP routes: a sortable table, and the charts of the selected row.

  const rows = new Map();
  const COLUMNS = [
    { key: 'route', cls: 'route' },
    { key: 'method' },
    { key: 'rate', unit: '/s', cls: 'num' },
    { key: 'p50', unit: 'ms', cls: 'num' },
    { key: 'p99', unit: 'ms', cls: 'num' },
    { key: 'errors', unit: 'ratio', cls: 'num' },
  ];

  const compareRoutes = (a, b) => {
    const x = a[state.sort.key];
    const y = b[state.sort.key];
    if (x === null || y === null) return x === y ? a.id - b.id : x === null ? 1 : -1;
    const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
    return c === 0 ? a.id - b.id : c * state.sort.dir;
  };

  const selectRoute = (id) => {
    state.selectedRoute = state.selectedRoute === id ? null : id;
    state.needFull = true;
    state.generation++;
    renderRoutes();
    poll();
  };

  const makeRow = (id) => {
    const tr = el('tr');
    tr.tabIndex = 0;
    tr.dataset.id = String(id);
    for (const c of COLUMNS) {
      const td = el('td', c.cls ?? '');
      td.dataset.key = c.key;
      tr.append(td);
    }
    tr.addEventListener('click', () => selectRoute(id));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        selectRoute(id);
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        (e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling)?.focus();
      } else if (e.key === 'Escape' && state.selectedRoute !== null) {
        selectRoute(state.selectedRoute);
      }
    });
    return tr;
  };

  const renderRoutes = () => {
    const list = state.routes.slice().sort(compareRoutes);
    $('routes-section').hidden = list.length === 0;
    const tbody = $('routes').tBodies[0];
    const focused = document.activeElement;
    const keep = new Set(list.map((r) => r.id));
    for (const [id, tr] of rows) {
      if (keep.has(id)) continue;
      tr.remove();
      rows.delete(id);
    }
    const families = new Set(list.map((r) => r.name)).size;
    list.forEach((r, i) => {
      let tr = rows.get(r.id);
      if (tr === undefined) {
        tr = makeRow(r.id);
        rows.set(r.id, tr);
      }
      COLUMNS.forEach((c, j) => {
        const td = tr.children[j];
        const v = r[c.key];
        if (c.unit) setValue(td, v, c.unit);
        else td.textContent = v ?? '–';
        // On a phone the method column folds into the route's cell.
        if (c.key === 'route' && r.method) td.prepend(el('span', 'method-inline', `${r.method} `));
        if (c.key === 'route') td.title = families > 1 ? `${r.name} ${v}` : v;
        if (c.key === 'errors') td.classList.toggle('bad', v !== null && v >= 0.01);
      });
      tr.setAttribute('aria-selected', String(r.id === state.selectedRoute));
      if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null);
    });
    if (focused?.parentNode === tbody && document.activeElement !== focused) focused.focus();
    const selected = list.find((r) => r.id === state.selectedRoute);
    if (selected === undefined && list.length > 0) state.selectedRoute = null;
    for (const th of $('routes').tHead.rows[0].cells) {
      const sorted = th.dataset.key === state.sort.key;
      th.setAttribute('aria-sort', sorted ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
    const untracked = state.feed?.untrackedRoutes ?? 0;
    $('routes-note').textContent =
      (state.selectedRoute === null ? 'Select a route (click, or Enter) to chart it. ' : '') +
      'Rate: requests per second over the last interval; p50, p99 and errors (5xx share) over the timers’ window.' +
      (untracked > 0 ? ` ${untracked} more routes not recorded.` : '');
    renderRouteDetail(selected);
  };

  const renderRouteDetail = (selected) => {
    const detail = $('route-detail');
    const route = state.route;
    const shown = selected !== undefined && route?.meta.id === selected.id;
    detail.hidden = !shown;
    if (!shown) {
      sync(detail, []);
      return;
    }
    const title = `${selected.method ? `${selected.method} ` : ''}${selected.route}`;
    const spec = (what, lines) => ({ id: selected.id, title: `${title} · ${what}`, tags: route.meta.name, height: 200, lines });
    sync(detail, [
      {
        key: `route:latency:${selected.id}`,
        spec: spec('latency', [{ label: 'p50', unit: 'ms', field: 'p50' }, { label: 'p99', unit: 'ms', field: 'p99' }]),
        data: [xs, route.data[1], route.data[2]],
      },
      {
        key: `route:traffic:${selected.id}`,
        spec: spec('traffic', [{ label: 'rate', unit: '/s', field: 'rate' }, { label: 'errors', unit: 'ratio', field: 'errors' }]),
        data: [xs, route.data[0], route.data[3]],
      },
    ]);
  };

  // ---------------------------------------------------------------------------------
  // Header: status, count, time since the last update, the unreachable banner.

  const tickClock = () => {
    const now = Date.now();
    $('updated').textContent = state.lastOk === 0 ? '' : `updated ${ago(now - state.lastOk)}`;
    if (!$('unreachable').hidden) {
      $('retry-in').textContent = state.inflight ? 'now…' : `in ${Math.max(1, Math.ceil((state.nextAt - now) / 1000))} s`;
    }
  };

  const setState = (next, reason) => {
    const status = $('status');
    status.dataset.state = next;
    status.textContent = next === 'connecting' ? 'connecting…' : next;
    document.body.dataset.state = next;
    $('unreachable').hidden = next !== 'unreachable';
    if (reason !== undefined) $('unreachable-reason').textContent = reason;
    document.querySelector('main').classList.toggle('stale', next === 'unreachable');
    tickClock();
  };

  const render = () => {
    xs = state.t.map((ms) => ms / 1000);
    const { size, untracked } = state.feed;
    $('count').textContent =
      `${size.toLocaleString('en-US')} series` +
      (untracked > 0 ? ` (${untracked.toLocaleString('en-US')} not recorded: maxSeries)` : '');
    document.body.dataset.seq = String(state.seq);
    document.body.dataset.ring = state.ring;
    renderRoutes();
    renderRuntime();
    renderOverview();
  };

  // ---------------------------------------------------------------------------------
  // Polling: one request at a time; after a failure, exponential backoff with jitter.

  const schedule = (ms) => {
    clearTimeout(state.timer);
    state.nextAt = Date.now() + ms;
    state.timer = setTimeout(poll, ms);
  };

  const backoff = () => {
    const base = Math.min(MAX_BACKOFF_MS, state.intervalMs * 2 ** Math.min(state.failures - 1, 6));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  };

  const feedUrl = () => {
    const p = new URLSearchParams();
    if (!state.needFull && state.ring !== null) {
      p.set('ring', state.ring);
      p.set('since', String(state.seq));
    }
    if (state.filter) p.set('q', state.filter);
    p.set('limit', String(state.limit));
    if (state.selectedRoute !== null) p.set('route', String(state.selectedRoute));
    return `${FEED}?${p}`;
  };

  const reasonOf = (error) =>
    error?.name === 'AbortError' ? 'The request timed out.'
      : error instanceof TypeError ? 'The connection failed.'
        : String(error?.message ?? error);

  async function poll() {
    if (state.inflight) {
      state.again = true;
      return;
    }
    clearTimeout(state.timer);
    state.inflight = true;
    tickClock();
    const generation = state.generation;
    const wasFull = state.needFull;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const res = await fetch(feedUrl(), {
        cache: 'no-store', credentials: 'omit', signal: controller.signal, headers: { Accept: 'application/json' },
      });
      if (!res.ok) throw new Error(`The feed answered HTTP ${res.status}.`);
      const feed = await res.json();
      state.failures = 0;
      state.lastOk = Date.now();
      if (generation === state.generation) {
        if (wasFull) state.needFull = false;
        apply(feed);
        render();
      } else {
        state.again = true; // the filter, limit or route changed meanwhile
      }
      setState('live');
    } catch (error) {
      state.failures++;
      state.needFull = true;
      setState('unreachable', reasonOf(error));
    } finally {
      clearTimeout(timeout);
      state.inflight = false;
    }
    if (state.again) {
      state.again = false;
      schedule(0);
    } else {
      schedule(state.failures === 0 ? state.intervalMs : backoff());
    }
    tickClock();
  }

  // ---------------------------------------------------------------------------------
  // Controls: the filter box ("/" focuses it), "show more", retry, sortable columns.

  const setFilter = (value) => {
    const v = value.trim();
    if (v === state.filter) return;
    state.filter = v;
    state.limit = DEFAULT_LIMIT;
    state.needFull = true;
    state.generation++;
    void poll();
  };

  const init = () => {
    const filter = $('filter');
    let debounce = 0;
    filter.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => setFilter(filter.value), 200);
    });
    filter.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== 'Escape') return;
      clearTimeout(debounce);
      if (e.key === 'Escape') filter.value = '';
      setFilter(filter.value);
    });
    document.addEventListener('keydown', (e) => {
      const t = e.target;
      const typing = t?.tagName === 'INPUT' || t?.tagName === 'TEXTAREA' || t?.isContentEditable;
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        filter.focus();
        filter.select();
      }
    });
    $('show-more').addEventListener('click', () => {
      state.limit = Math.min(MAX_LIMIT, state.limit + DEFAULT_LIMIT);
      state.needFull = true;
      state.generation++;
      void poll();
    });
    $('retry-now').addEventListener('click', () => void poll());
    for (const th of $('routes').tHead.rows[0].cells) {
      th.querySelector('button').addEventListener('click', () => {
        const key = th.dataset.key;
        if (state.sort.key === key) state.sort.dir = -state.sort.dir;
        else state.sort = { key, dir: key === 'route' || key === 'method' ? 1 : -1 };
        renderRoutes();
      });
    }
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      for (const card of cards.values()) card.rebuild();
    });
    setInterval(tickClock, 1000);
    void poll();
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
