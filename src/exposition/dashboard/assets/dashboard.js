/*
 * tapemeasure dashboard: polls the JSON feed next to this script and draws it with uPlot.
 * Plain browser JavaScript, no build step; served same-origin under a strict CSP (no
 * inline script or style: every style is in dashboard.css or set through the CSSOM).
 */
/* global uPlot, document, window, location, getComputedStyle, ResizeObserver, URL, URLSearchParams, fetch,
   AbortController, setTimeout, clearTimeout, setInterval */
(function () {
  'use strict';

  var script = document.currentScript;
  var FEED = new URL('feed', script ? script.src : location.href).href;
  var DEFAULT_LIMIT = 30;
  var MAX_LIMIT = 100;
  var MAX_BACKOFF_MS = 30000;
  var REQUEST_TIMEOUT_MS = 10000;
  var LABELS = { rate: 'rate', m1: 'm1 rate', p50: 'p50', p99: 'p99', value: 'value', errors: 'errors' };
  var NON_NEGATIVE = { '/s': true, ms: true, s: true, bytes: true, ratio: true };
  /** The colour (a --cN variable of dashboard.css) of each field, the same in every chart. */
  var FIELD_COLOR = { rate: 1, m1: 1, value: 1, p50: 2, p99: 3, errors: 3, heap_used: 1, heap_total: 4, rss: 2, cpu: 1, event_loop_utilization: 4 };

  // ---------------------------------------------------------------------------------
  // Formatting: three significant digits and a unit on every number.

  function sig(v) {
    if (v === 0) return '0';
    var a = Math.abs(v);
    if (a >= 1e15 || a < 1e-6) return v.toExponential(2);
    return String(Number(v.toPrecision(3)));
  }

  function format(v, unit) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    var a = Math.abs(v);
    switch (unit) {
      case 'ms':
        if (a >= 1000) return sig(v / 1000) + ' s';
        if (a > 0 && a < 1) return sig(v * 1000) + ' µs';
        return sig(v) + ' ms';
      case 's':
        return a > 0 && a < 1 ? format(v * 1000, 'ms') : sig(v) + ' s';
      case 'bytes':
        if (a >= 1073741824) return sig(v / 1073741824) + ' GiB';
        if (a >= 1048576) return sig(v / 1048576) + ' MiB';
        if (a >= 1024) return sig(v / 1024) + ' KiB';
        return sig(v) + ' B';
      case '/s':
        return sig(v) + '/s';
      case 'ratio':
        return sig(v * 100) + '%';
      default:
        return sig(v);
    }
  }

  function pad(n) {
    return n < 10 ? '0' + n : String(n);
  }

  /** A time axis label: 24-hour local time, with seconds when the span is short. */
  function clock(seconds, withSeconds) {
    var d = new Date(seconds * 1000);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + (withSeconds ? ':' + pad(d.getSeconds()) : '');
  }

  /** Tick increments of byte axes: powers of two of B, KiB, MiB, GiB, TiB. */
  var BINARY_INCREMENTS = (function () {
    var out = [];
    for (var k = 0; k <= 4; k++) for (var e = 0; e < 10; e++) out.push(Math.pow(2, e) * Math.pow(1024, k));
    return out;
  })();

  function ago(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + ' s ago';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ago';
    return Math.floor(m / 60) + ' h ago';
  }

  function tagText(tags) {
    var out = [];
    for (var k in tags) if (Object.prototype.hasOwnProperty.call(tags, k)) out.push(k + '=' + tags[k]);
    return out.join(' ');
  }

  // ---------------------------------------------------------------------------------
  // DOM helpers

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // ---------------------------------------------------------------------------------
  // State

  var state = {
    ring: null,
    seq: 0,
    intervalMs: 1000,
    historyMs: 600000,
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
    timer: 0
  };

  function maxPoints() {
    return Math.ceil(state.historyMs / state.intervalMs) + 1;
  }

  function remember(s) {
    state.byId.set(s.id, { meta: s, data: s.data.map(function (a) { return a.slice(); }) });
  }

  function apply(feed) {
    state.intervalMs = feed.intervalMs;
    state.historyMs = feed.historyMs;
    var all = feed.series.concat(feed.runtime);
    var i;
    if (feed.full) {
      state.t = feed.t.slice();
      state.byId = new Map();
      for (i = 0; i < all.length; i++) if (!state.byId.has(all[i].id)) remember(all[i]);
      state.route = feed.route ? { meta: feed.route, data: feed.route.data.map(function (a) { return a.slice(); }) } : null;
    } else {
      Array.prototype.push.apply(state.t, feed.t);
      var present = new Set();
      for (i = 0; i < all.length; i++) {
        var s = all[i];
        if (present.has(s.id)) continue;
        present.add(s.id);
        var have = state.byId.get(s.id);
        if (have === undefined) {
          // A series this page has no history of: ask for everything next time.
          state.needFull = true;
          continue;
        }
        have.meta = s;
        for (var f = 0; f < have.data.length; f++) Array.prototype.push.apply(have.data[f], s.data[f]);
      }
      state.byId.forEach(function (_v, id) {
        if (!present.has(id)) state.byId.delete(id);
      });
      if (feed.route) {
        if (state.route && state.route.meta.id === feed.route.id) {
          for (i = 0; i < state.route.data.length; i++) Array.prototype.push.apply(state.route.data[i], feed.route.data[i]);
        } else {
          state.needFull = true;
        }
      } else {
        state.route = null;
      }
    }
    var excess = state.t.length - maxPoints();
    if (excess > 0) {
      state.t.splice(0, excess);
      state.byId.forEach(function (v) {
        v.data.forEach(function (a) { a.splice(0, excess); });
      });
      if (state.route) state.route.data.forEach(function (a) { a.splice(0, excess); });
    }
    state.ring = feed.ring;
    state.seq = feed.seq;
    state.overview = feed.series.map(function (s) { return s.id; }).filter(function (id) { return state.byId.has(id); });
    state.runtime = feed.runtime.map(function (s) { return s.id; }).filter(function (id) { return state.byId.has(id); });
    state.routes = feed.routes;
    state.feed = feed;
  }

  // ---------------------------------------------------------------------------------
  // Charts: one card per chart, uPlot created once the card has a width.

  var cards = new Map();
  var xs = [];

  function colorOf(line, i) {
    return FIELD_COLOR[line.field] || (i % 5) + 1;
  }

  function rangeFor(unit) {
    if (!NON_NEGATIVE[unit]) return undefined;
    return function (_u, _min, max) {
      if (!(max > 0)) return [0, unit === 'ratio' ? 0.01 : 1];
      return [0, max * 1.1];
    };
  }

  function Card(key, parent, spec) {
    this.key = key;
    this.spec = spec;
    this.root = el('article', 'card');
    this.root.dataset.key = key;
    if (spec.id !== undefined) this.root.dataset.id = String(spec.id);
    this.title = el('h3', '', spec.title);
    this.title.title = spec.title;
    this.tags = el('p', 'tags', spec.tags || '');
    this.values = el('ul', 'values');
    this.items = spec.lines.map(function (line, i) {
      var li = el('li');
      li.dataset.field = line.field;
      var swatch = el('span', 'swatch s' + colorOf(line, i));
      var label = el('span', 'label', line.label);
      var value = el('span', 'value', '–');
      value.dataset.unit = line.unit;
      li.appendChild(swatch);
      li.appendChild(label);
      li.appendChild(value);
      this.values.appendChild(li);
      return value;
    }, this);
    this.chart = el('div', 'chart');
    this.chart.setAttribute('role', 'img');
    this.chart.setAttribute('aria-label', spec.title + ': ' + spec.lines.map(function (l) { return l.label; }).join(', ') + ' over time');
    this.root.appendChild(this.title);
    this.root.appendChild(this.tags);
    this.root.appendChild(this.values);
    this.root.appendChild(this.chart);
    parent.appendChild(this.root);
    this.plot = null;
    this.hover = null;
    var self = this;
    this.observer = new ResizeObserver(function () { self.resize(); });
    this.observer.observe(this.chart);
  }

  Card.prototype.width = function () {
    return Math.floor(this.chart.clientWidth);
  };

  Card.prototype.resize = function () {
    var w = this.width();
    if (w <= 0) return;
    if (this.plot === null) this.build(w);
    else if (Math.abs(this.plot.width - w) > 1) this.plot.setSize({ width: w, height: this.spec.height || 150 });
  };

  Card.prototype.build = function (width) {
    var spec = this.spec;
    var units = [];
    spec.lines.forEach(function (l) { if (units.indexOf(l.unit) === -1 && units.length < 2) units.push(l.unit); });
    var muted = cssVar('--muted');
    var grid = cssVar('--grid');
    var font = '11px ' + cssVar('--font');
    // At least the last minute, so that a young history grows from the right.
    var scales = { x: { time: true, range: function (_u, min, max) { return [Math.min(min, max - 60), max]; } } };
    var axes = [{
      stroke: muted,
      font: font,
      size: 28,
      space: 64,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1, size: 4 },
      values: function (u, splits) {
        var span = u.scales.x.max - u.scales.x.min;
        return splits.map(function (v) { return clock(v, span < 180); });
      }
    }];
    units.forEach(function (unit, i) {
      var range = rangeFor(unit);
      scales['y' + i] = range ? { range: range } : {};
      axes.push({
        scale: 'y' + i,
        side: i === 0 ? 3 : 1,
        stroke: muted,
        font: font,
        size: 62,
        gap: 4,
        grid: { show: i === 0, stroke: grid, width: 1 },
        ticks: { show: false },
        values: function (_u, splits) { return splits.map(function (v) { return format(v, unit); }); }
      });
      if (unit === 'bytes') axes[axes.length - 1].incrs = BINARY_INCREMENTS;
    });
    var series = [{}];
    spec.lines.forEach(function (line, i) {
      var u = units.indexOf(line.unit);
      series.push({
        label: line.label,
        scale: 'y' + (u === -1 ? 0 : u),
        stroke: cssVar('--c' + colorOf(line, i)),
        width: 1.5,
        points: { show: false },
        value: function (_u, v) { return format(v, line.unit); }
      });
    });
    var self = this;
    this.plot = new uPlot({
      width: width,
      height: spec.height || 150,
      scales: scales,
      axes: axes,
      series: series,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      hooks: {
        setCursor: [function (u) {
          self.hover = u.cursor.idx === null || u.cursor.idx === undefined ? null : u.cursor.idx;
          self.showValues();
        }]
      }
    }, this.data || [[]], this.chart);
  };

  Card.prototype.update = function (data) {
    this.data = data;
    if (this.plot !== null) this.plot.setData(data);
    else this.resize();
    this.showValues();
  };

  Card.prototype.showValues = function () {
    var data = this.data;
    if (!data) return;
    var n = data[0].length;
    var idx = this.hover !== null && this.hover < n ? this.hover : n - 1;
    for (var i = 0; i < this.items.length; i++) {
      var ys = data[i + 1];
      var v = idx >= 0 && ys ? ys[idx] : null;
      var node = this.items[i];
      if (v === null || v === undefined) delete node.dataset.value;
      else node.dataset.value = String(v);
      node.textContent = format(v, node.dataset.unit);
    }
    this.root.classList.toggle('hovering', this.hover !== null);
  };

  Card.prototype.rebuild = function () {
    if (this.plot !== null) {
      this.plot.destroy();
      this.plot = null;
    }
    this.resize();
  };

  Card.prototype.destroy = function () {
    this.observer.disconnect();
    if (this.plot !== null) this.plot.destroy();
    this.root.remove();
  };

  /** Keeps exactly the cards `wanted` (in order) in `parent`; returns them by key. */
  function sync(parent, wanted) {
    var keep = new Set(wanted.map(function (w) { return w.key; }));
    Array.prototype.slice.call(parent.children).forEach(function (node) {
      var key = node.dataset.key;
      if (!keep.has(key)) {
        var card = cards.get(key);
        if (card) card.destroy();
        cards.delete(key);
      }
    });
    wanted.forEach(function (w, i) {
      var card = cards.get(w.key);
      if (card === undefined) {
        card = new Card(w.key, parent, w.spec);
        cards.set(w.key, card);
      }
      if (parent.children[i] !== card.root) parent.insertBefore(card.root, parent.children[i] || null);
      card.update(w.data);
    });
  }

  function seriesSpec(s) {
    return {
      id: s.meta.id,
      title: s.meta.name,
      tags: tagText(s.meta.tags),
      lines: s.meta.fields.map(function (f, i) { return { label: LABELS[f] || f, unit: s.meta.units[i], field: f }; })
    };
  }

  function seriesKey(s) {
    return 's' + s.meta.id + ':' + s.meta.fields.join(',') + ':' + s.meta.units.join(',');
  }

  function renderOverview() {
    var wanted = state.overview.map(function (id) {
      var s = state.byId.get(id);
      return { key: seriesKey(s), spec: seriesSpec(s), data: [xs].concat(s.data) };
    });
    sync($('overview'), wanted);
    var feed = state.feed;
    var shown = wanted.length;
    var text;
    if (feed.matched === 0) text = state.filter ? 'No series match “' + state.filter + '”.' : 'No series yet.';
    else if (shown < feed.matched) text = 'Showing ' + shown + ' of ' + feed.matched + ' series' + (state.filter ? ' matching “' + state.filter + '”' : '') + ', by name.';
    else text = 'Showing ' + (shown === 1 ? 'the one series' : 'all ' + shown + ' series') + (state.filter ? ' matching “' + state.filter + '”' : '') + '.';
    $('shown').textContent = text;
    $('show-more').hidden = !(shown < feed.matched && state.limit < MAX_LIMIT);
  }

  // ---------------------------------------------------------------------------------
  // Runtime panel: recognised by the server from series names (roles).

  function field(s, name) {
    var i = s.meta.fields.indexOf(name);
    return i === -1 ? null : s.data[i];
  }

  function renderRuntime() {
    var byRole = {};
    state.runtime.forEach(function (id) {
      var s = state.byId.get(id);
      if (s && s.meta.role) byRole[s.meta.role] = s;
    });
    var wanted = [];
    var empty = xs.map(function () { return null; });
    var delay = byRole.event_loop_delay;
    if (delay) {
      var unit = delay.meta.units[delay.meta.fields.indexOf('p50')] || 'ms';
      wanted.push({
        key: 'rt:delay:' + delay.meta.id,
        spec: { title: 'Event-loop delay', tags: delay.meta.name, lines: [{ label: 'p50', unit: unit, field: 'p50' }, { label: 'p99', unit: unit, field: 'p99' }] },
        data: [xs, field(delay, 'p50') || empty, field(delay, 'p99') || empty]
      });
    }
    var memory = [['heap_used', 'heap used'], ['heap_total', 'heap total'], ['rss', 'rss']].filter(function (r) { return byRole[r[0]]; });
    if (memory.length > 0) {
      wanted.push({
        key: 'rt:memory:' + memory.map(function (r) { return byRole[r[0]].meta.id; }).join(','),
        spec: { title: 'Memory', tags: memory.map(function (r) { return byRole[r[0]].meta.name; }).join(' · '), lines: memory.map(function (r) { return { label: r[1], unit: 'bytes', field: r[0] }; }) },
        data: [xs].concat(memory.map(function (r) { return byRole[r[0]].data[0]; }))
      });
    }
    var cpu = [['cpu', 'CPU'], ['event_loop_utilization', 'event-loop busy']].filter(function (r) { return byRole[r[0]]; });
    if (cpu.length > 0) {
      wanted.push({
        key: 'rt:cpu:' + cpu.map(function (r) { return byRole[r[0]].meta.id; }).join(','),
        spec: { title: 'CPU', tags: cpu.map(function (r) { return byRole[r[0]].meta.name; }).join(' · '), lines: cpu.map(function (r) { return { label: r[1], unit: 'ratio', field: r[0] }; }) },
        data: [xs].concat(cpu.map(function (r) { return byRole[r[0]].data[0]; }))
      });
    }
    $('runtime-section').hidden = wanted.length === 0;
    sync($('runtime'), wanted);
  }

  // ---------------------------------------------------------------------------------
  // HTTP routes: a sortable table, and the charts of the selected row.

  var rows = new Map();
  var COLUMNS = [
    { key: 'route', cls: 'route' },
    { key: 'method' },
    { key: 'rate', unit: '/s', cls: 'num' },
    { key: 'p50', unit: 'ms', cls: 'num' },
    { key: 'p99', unit: 'ms', cls: 'num' },
    { key: 'errors', unit: 'ratio', cls: 'num' }
  ];

  function compareRoutes(a, b) {
    var key = state.sort.key;
    var x = a[key];
    var y = b[key];
    if (x === null || x === undefined) return y === null || y === undefined ? a.id - b.id : 1;
    if (y === null || y === undefined) return -1;
    var c = typeof x === 'string' ? x.localeCompare(y) : x - y;
    return c === 0 ? a.id - b.id : c * state.sort.dir;
  }

  function selectRoute(id) {
    state.selectedRoute = state.selectedRoute === id ? null : id;
    state.needFull = true;
    state.generation++;
    renderRoutes();
    poll();
  }

  function makeRow(r) {
    var tr = el('tr');
    tr.tabIndex = 0;
    tr.dataset.id = String(r.id);
    COLUMNS.forEach(function (c) {
      var td = el('td', c.cls || '');
      td.dataset.key = c.key;
      tr.appendChild(td);
    });
    tr.addEventListener('click', function () { selectRoute(r.id); });
    tr.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        selectRoute(r.id);
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        var next = e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
        if (next) next.focus();
      } else if (e.key === 'Escape' && state.selectedRoute !== null) {
        selectRoute(state.selectedRoute);
      }
    });
    return tr;
  }

  function renderRoutes() {
    var list = state.routes.slice().sort(compareRoutes);
    $('routes-section').hidden = list.length === 0;
    var tbody = $('routes').tBodies[0];
    var focused = document.activeElement;
    var keep = new Set(list.map(function (r) { return r.id; }));
    rows.forEach(function (tr, id) {
      if (!keep.has(id)) {
        tr.remove();
        rows.delete(id);
      }
    });
    var multipleFamilies = new Set(list.map(function (r) { return r.name; })).size > 1;
    list.forEach(function (r, i) {
      var tr = rows.get(r.id);
      if (tr === undefined) {
        tr = makeRow(r);
        rows.set(r.id, tr);
      }
      COLUMNS.forEach(function (c, j) {
        var td = tr.children[j];
        var v = r[c.key];
        if (c.unit) {
          td.textContent = format(v, c.unit);
          if (v === null) delete td.dataset.value;
          else td.dataset.value = String(v);
          td.dataset.unit = c.unit;
        } else {
          td.textContent = v === null ? '–' : v;
          if (c.key === 'route') td.title = multipleFamilies ? r.name + ' ' + v : v;
        }
        if (c.key === 'errors') td.classList.toggle('bad', v !== null && v >= 0.01);
      });
      tr.setAttribute('aria-selected', String(r.id === state.selectedRoute));
      if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] || null);
    });
    if (focused && focused.parentNode === tbody && document.activeElement !== focused) focused.focus();
    var selected = list.filter(function (r) { return r.id === state.selectedRoute; })[0];
    if (state.selectedRoute !== null && selected === undefined && list.length > 0) state.selectedRoute = null;
    var headers = $('routes').tHead.rows[0].cells;
    for (var h = 0; h < headers.length; h++) {
      var key = headers[h].dataset.key;
      headers[h].setAttribute('aria-sort', key === state.sort.key ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
    var feed = state.feed;
    $('routes-note').textContent = (state.selectedRoute === null ? 'Select a route (click, or Enter) to chart it. ' : '') +
      'Rate: requests per second over the last interval; p50, p99 and errors (5xx share) over the timers’ window.' +
      (feed && feed.untrackedRoutes > 0 ? ' ' + feed.untrackedRoutes + ' more routes not recorded.' : '');
    renderRouteDetail(selected);
  }

  function renderRouteDetail(selected) {
    var detail = $('route-detail');
    var route = state.route;
    if (!selected || !route || route.meta.id !== selected.id) {
      detail.hidden = true;
      sync(detail, []);
      return;
    }
    detail.hidden = false;
    var title = (selected.method ? selected.method + ' ' : '') + selected.route;
    var tags = route.meta.name;
    sync(detail, [
      {
        key: 'route:lat:' + selected.id,
        spec: { id: selected.id, title: title + ' · latency', tags: tags, height: 200, lines: [{ label: 'p50', unit: 'ms', field: 'p50' }, { label: 'p99', unit: 'ms', field: 'p99' }] },
        data: [xs, route.data[1], route.data[2]]
      },
      {
        key: 'route:traffic:' + selected.id,
        spec: { id: selected.id, title: title + ' · traffic', tags: tags, height: 200, lines: [{ label: 'rate', unit: '/s', field: 'rate' }, { label: 'errors', unit: 'ratio', field: 'errors' }] },
        data: [xs, route.data[0], route.data[3]]
      }
    ]);
  }

  // ---------------------------------------------------------------------------------
  // Header: status, count, time since the last update, the unreachable banner.

  function setState(next, reason) {
    var status = $('status');
    status.dataset.state = next;
    status.textContent = next === 'live' ? 'live' : next === 'unreachable' ? 'unreachable' : 'connecting…';
    document.body.dataset.state = next;
    var banner = $('unreachable');
    banner.hidden = next !== 'unreachable';
    if (reason !== undefined) $('unreachable-reason').textContent = reason;
    document.querySelector('main').classList.toggle('stale', next === 'unreachable');
    tickClock();
  }

  function tickClock() {
    var now = Date.now();
    $('updated').textContent = state.lastOk === 0 ? '' : 'updated ' + ago(now - state.lastOk);
    if (!$('unreachable').hidden) {
      $('retry-in').textContent = state.inflight ? 'now…' : 'in ' + Math.max(1, Math.ceil((state.nextAt - now) / 1000)) + ' s';
    }
  }

  function renderHeader() {
    var feed = state.feed;
    var text = feed.size.toLocaleString('en-US') + ' series';
    if (feed.untracked > 0) text += ' (' + feed.untracked.toLocaleString('en-US') + ' not recorded: maxSeries)';
    $('count').textContent = text;
    document.body.dataset.seq = String(state.seq);
    document.body.dataset.ring = state.ring;
  }

  function render() {
    xs = state.t.map(function (ms) { return ms / 1000; });
    renderHeader();
    renderRoutes();
    renderRuntime();
    renderOverview();
  }

  // ---------------------------------------------------------------------------------
  // Polling: one request at a time; after a failure, exponential backoff with jitter.

  function schedule(ms) {
    clearTimeout(state.timer);
    state.nextAt = Date.now() + ms;
    state.timer = setTimeout(poll, ms);
  }

  function backoff() {
    var base = Math.min(MAX_BACKOFF_MS, state.intervalMs * Math.pow(2, Math.min(state.failures - 1, 6)));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  function feedUrl() {
    var p = new URLSearchParams();
    if (!state.needFull && state.ring !== null) {
      p.set('ring', state.ring);
      p.set('since', String(state.seq));
    }
    if (state.filter) p.set('q', state.filter);
    p.set('limit', String(state.limit));
    if (state.selectedRoute !== null) p.set('route', String(state.selectedRoute));
    return FEED + '?' + p.toString();
  }

  function poll() {
    if (state.inflight) {
      state.again = true;
      return;
    }
    clearTimeout(state.timer);
    state.inflight = true;
    tickClock();
    var generation = state.generation;
    var wasFull = state.needFull;
    var controller = new AbortController();
    var timeout = setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    fetch(feedUrl(), { cache: 'no-store', credentials: 'omit', signal: controller.signal, headers: { Accept: 'application/json' } })
      .then(function (res) {
        if (!res.ok) throw new Error('the feed answered HTTP ' + res.status + '.');
        return res.json();
      })
      .then(function (feed) {
        state.failures = 0;
        state.lastOk = Date.now();
        if (generation !== state.generation) {
          state.again = true;
        } else {
          if (wasFull) state.needFull = false;
          apply(feed);
          render();
        }
        setState('live');
      }, function (error) {
        state.failures++;
        state.needFull = true;
        setState('unreachable', error && error.name === 'AbortError' ? 'The request timed out.' : error instanceof TypeError ? 'The connection failed.' : String(error.message || error));
      })
      .then(function () {
        clearTimeout(timeout);
        state.inflight = false;
        if (state.again) {
          state.again = false;
          schedule(0);
        } else {
          schedule(state.failures === 0 ? state.intervalMs : backoff());
        }
        tickClock();
      });
  }

  // ---------------------------------------------------------------------------------
  // Controls

  function setFilter(value) {
    var v = value.trim();
    if (v === state.filter) return;
    state.filter = v;
    state.limit = DEFAULT_LIMIT;
    state.needFull = true;
    state.generation++;
    poll();
  }

  function init() {
    var filter = $('filter');
    var debounce = 0;
    filter.addEventListener('input', function () {
      clearTimeout(debounce);
      debounce = setTimeout(function () { setFilter(filter.value); }, 200);
    });
    filter.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') {
        clearTimeout(debounce);
        setFilter(filter.value);
      } else if (e.key === 'Escape') {
        filter.value = '';
        clearTimeout(debounce);
        setFilter('');
      }
    });
    document.addEventListener('keydown', function (e) {
      var target = e.target;
      var typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        filter.focus();
        filter.select();
      }
    });
    $('show-more').addEventListener('click', function () {
      state.limit = Math.min(MAX_LIMIT, state.limit + DEFAULT_LIMIT);
      state.needFull = true;
      state.generation++;
      poll();
    });
    $('retry-now').addEventListener('click', function () { poll(); });
    var headers = $('routes').tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) {
      (function (th) {
        th.querySelector('button').addEventListener('click', function () {
          var key = th.dataset.key;
          if (state.sort.key === key) state.sort.dir = -state.sort.dir;
          else state.sort = { key: key, dir: key === 'route' || key === 'method' ? 1 : -1 };
          renderRoutes();
        });
      })(headers[i]);
    }
    var scheme = window.matchMedia('(prefers-color-scheme: dark)');
    var rebuild = function () { cards.forEach(function (card) { card.rebuild(); }); };
    if (scheme.addEventListener) scheme.addEventListener('change', rebuild);
    setInterval(tickClock, 1000);
    poll();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
