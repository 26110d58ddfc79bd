// The cost of the HTTP integrations: autocannon against the same app without metrics, with
// the least any per-request timing costs (one 'finish' listener and one timer.update()),
// and with the integration, in one run, interleaved so that drift hits all alike. Each
// server runs in its own child process; autocannon runs here. Prints req/s, the median over
// rounds of the ratio to the plain server, and latency.
//
//   npm run build && node bench/integrations/http-overhead.js [node-http express fastify koa]
//
// Environment: BENCH_DURATION_S (seconds per round, default 5), BENCH_ROUNDS (default 3),
// BENCH_CONNECTIONS (default 50), TAPEMEASURE_DIST (the built package, default ./dist),
// BENCH_BASELINE_DIST (another build, say of the previous commit: its integration runs as a
// fourth server in the same interleaved rounds, for a before/after on a noisy machine).

/* global console, performance */
import { Buffer } from 'node:buffer';
import { fork } from 'node:child_process';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import process from 'node:process';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import autocannon from 'autocannon';

const here = fileURLToPath(import.meta.url);
const distUrl = (path) => pathToFileURL(`${path.replace(/\/$/, '')}/`);
const dist = process.env.TAPEMEASURE_DIST ? distUrl(process.env.TAPEMEASURE_DIST) : new URL('../../dist/', import.meta.url);
const baselineDist = process.env.BENCH_BASELINE_DIST ? distUrl(process.env.BENCH_BASELINE_DIST) : undefined;

const BODY = JSON.stringify({ id: '42', name: 'Ada', roles: ['admin', 'ops'] });

/**
 * Serves GET /users/:id in one of three modes: `plain` (no metrics), `timer` (the least
 * per-request timing: a 'finish' listener and one timer.update()), `metrics` (the integration
 * of the build at `dist`).
 */
async function serve(framework, mode, dist) {
  const { Registry } = await import(new URL('index.js', dist).href);
  const registry = new Registry();
  const timer = mode === 'timer' ? registry.timer('bench.one_timer') : undefined;
  const oneTimer = (req, res) => {
    const start = performance.now();
    res.on('finish', () => {
      timer?.update(performance.now() - start);
    });
  };
  const instrumented = mode === 'metrics';
  let server;
  if (framework === 'node-http') {
    const { httpMetrics } = await import(new URL('integrations/node-http.js', dist).href);
    const handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
      res.end(BODY);
    };
    const route = (req) => (req.url.startsWith('/users/') ? '/users/:id' : undefined);
    const timed = (req, res) => {
      oneTimer(req, res);
      handler(req, res);
    };
    server = createServer(instrumented ? httpMetrics(handler, { registry, route }) : mode === 'timer' ? timed : handler);
  } else if (framework === 'express') {
    const { default: express } = await import('express');
    const { expressMetrics } = await import(new URL('integrations/express.js', dist).href);
    const app = express();
    if (instrumented) app.use(expressMetrics({ registry }));
    if (mode === 'timer') {
      app.use((req, res, next) => {
        oneTimer(req, res);
        next();
      });
    }
    const users = express.Router();
    users.get('/:id', (req, res) => {
      res.type('json').send(BODY);
    });
    app.use('/users', users);
    server = createServer(app);
  } else if (framework === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const { fastifyMetrics } = await import(new URL('integrations/fastify.js', dist).href);
    const app = Fastify();
    if (instrumented) await app.register(fastifyMetrics({ registry }));
    if (mode === 'timer') {
      app.addHook('onRequest', (request, reply, done) => {
        oneTimer(request.raw, reply.raw);
        done();
      });
    }
    app.get('/users/:id', (_request, reply) => {
      void reply.type('application/json').send(BODY);
    });
    await app.ready();
    server = app.server;
  } else if (framework === 'koa') {
    const { default: Koa } = await import('koa');
    const { default: Router } = await import('@koa/router');
    const { koaMetrics } = await import(new URL('integrations/koa.js', dist).href);
    const app = new Koa();
    const router = new Router();
    router.get('/users/:id', (ctx) => {
      ctx.type = 'json';
      ctx.body = BODY;
    });
    if (instrumented) app.use(koaMetrics({ registry }));
    if (mode === 'timer') {
      app.use((ctx, next) => {
        oneTimer(ctx.req, ctx.res);
        return next();
      });
    }
    app.use(router.routes());
    server = createServer(app.callback());
  } else {
    throw new Error(`unknown framework ${framework}`);
  }
  server.listen(0, '127.0.0.1', () => {
    process.send({ port: server.address().port });
  });
  process.on('message', (message) => {
    if (message === 'series') process.send({ series: registry.size });
    if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => process.exit(0));
}

function start(framework, mode, from = dist) {
  return new Promise((resolve, reject) => {
    const child = fork(here, ['serve', framework, mode, from.href], { stdio: 'inherit' });
    child.once('message', ({ port }) => resolve({ child, port }));
    child.once('error', reject);
  });
}

function load(port, durationS, connections) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}/users/42`, connections, duration: durationS },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** The server's CPU time so far, in microseconds (user + system). */
function cpuOf(child) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (m.cpu === undefined) return;
      child.off('message', onMessage);
      resolve(m.cpu.user + m.cpu.system);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function compare(framework, durationS, rounds, connections) {
  const servers = {
    plain: await start(framework, 'plain'),
    timer: await start(framework, 'timer'),
    measured: await start(framework, 'metrics'),
  };
  if (baselineDist !== undefined) servers.baseline = await start(framework, 'metrics', baselineDist);
  // Warm up (JIT) before measuring.
  for (const target of Object.values(servers)) await load(target.port, 1, connections);
  const keys = Object.keys(servers);
  const totals = Object.fromEntries(keys.map((key) => [key, { rps: 0, p50: 0, p99: 0, cpuUs: [] }]));
  // Each server goes first, second, ... in turn.
  const orders = keys.map((_, shift) => keys.map((__, i) => keys[(i + shift) % keys.length]));
  const ratios = { timer: [], measured: [], baseline: [] };
  for (let round = 0; round < rounds; round++) {
    const rps = {};
    for (const key of orders[round % orders.length]) {
      const target = servers[key];
      const cpuBefore = await cpuOf(target.child);
      const result = await load(target.port, durationS, connections);
      // CPU time per request: steadier than req/s when other jobs share the machine.
      totals[key].cpuUs.push((await cpuOf(target.child) - cpuBefore) / result.requests.total);
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${framework} ${key}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      rps[key] = result.requests.average;
      totals[key].rps += result.requests.average / rounds;
      totals[key].p50 += result.latency.p50 / rounds;
      totals[key].p99 += result.latency.p99 / rounds;
    }
    // Ratios within a round compare runs seconds apart: steadier than ratios of means.
    ratios.timer.push(rps.timer / rps.plain);
    ratios.measured.push(rps.measured / rps.plain);
    if (rps.baseline !== undefined) ratios.baseline.push(rps.baseline / rps.plain);
  }
  const series = await new Promise((resolve) => {
    servers.measured.child.once('message', (m) => resolve(m.series));
    servers.measured.child.send('series');
  });
  for (const target of Object.values(servers)) target.child.disconnect();
  for (const key of keys) totals[key].cpuUs = median(totals[key].cpuUs);
  return {
    framework,
    ...totals,
    ratio: median(ratios.measured),
    timerRatio: median(ratios.timer),
    baselineRatio: ratios.baseline.length > 0 ? median(ratios.baseline) : undefined,
    series,
  };
}

/**
 * In-process cost of the recorder per request (begin, then 'finish'), next to the least
 * any per-request timing costs: one 'finish' listener and one timer.update(). Medians of
 * interleaved runs, in ns per request, over the cost of making the request objects.
 */
async function perRequestCost(dist) {
  const { Registry } = await import(new URL('index.js', dist).href);
  const { HttpRecorder } = await import(new URL('integrations/http/recorder.js', dist).href);
  const registry = new Registry();
  const recorder = new HttpRecorder({ registry }, 'bench', () => '/users/:id');
  const timer = registry.timer('bench.one_timer');
  const socket = new Socket();
  const make = () => {
    const req = new IncomingMessage(socket);
    req.method = 'GET';
    req.rawHeaders = ['Host', '127.0.0.1', 'User-Agent', 'autocannon', 'Accept', '*/*'];
    return [req, new ServerResponse(req)];
  };
  const noop = () => {};
  const variants = {
    objects: () => {
      make();
    },
    oneTimer: () => {
      const [, res] = make();
      const start = performance.now();
      res.on('finish', noop);
      res.emit('finish');
      timer.update(performance.now() - start);
    },
    recorder: () => {
      const [req, res] = make();
      recorder.begin(req, res, res);
      res.emit('finish');
    },
  };
  const n = 100_000;
  const samples = { objects: [], oneTimer: [], recorder: [] };
  for (let round = 0; round < 9; round++) {
    for (const [key, fn] of Object.entries(variants)) {
      const t = performance.now();
      for (let i = 0; i < n; i++) fn();
      samples[key].push(((performance.now() - t) * 1e6) / n);
    }
  }
  const base = median(samples.objects);
  return { oneTimer: median(samples.oneTimer) - base, recorder: median(samples.recorder) - base };
}

async function main() {
  const frameworks = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['node-http', 'express', 'fastify', 'koa'];
  const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  const cost = await perRequestCost(dist);
  console.log(
    `in-process cost per request: recorder ${cost.recorder.toFixed(0)} ns, ` +
      `one 'finish' listener + one timer.update() ${cost.oneTimer.toFixed(0)} ns`,
  );
  if (baselineDist !== undefined) {
    const before = await perRequestCost(baselineDist);
    console.log(`baseline build: recorder ${before.recorder.toFixed(0)} ns, one timer ${before.oneTimer.toFixed(0)} ns`);
  }
  console.log(`node ${process.version}, ${rounds} interleaved rounds of ${durationS} s, ${connections} connections, GET /users/:id`);
  console.log('mean req/s (median over rounds of the ratio to plain); mean latency p50/p99 ms; server CPU µs per request (median);');
  console.log('"one timer" = a finish listener + one timer.update() per request');
  console.log(
    ['framework '.padEnd(10), 'plain'.padEnd(30), 'one timer'.padEnd(38), 'tapemeasure'.padEnd(38), ...(baselineDist === undefined ? [] : ['baseline'.padEnd(38)]), 'series'].join('  '),
  );
  const cell = (t, ratio) =>
    `${t.rps.toFixed(0).padStart(6)}${ratio === undefined ? '' : ` (${ratio.toFixed(3)})`} ${`${t.p50.toFixed(1)}/${t.p99.toFixed(1)}`.padStart(11)} ${t.cpuUs.toFixed(1).padStart(7)} µs`;
  for (const framework of frameworks) {
    const r = await compare(framework, durationS, rounds, connections);
    console.log(
      `${r.framework.padEnd(10)}  ${cell(r.plain).padEnd(30)}  ${cell(r.timer, r.timerRatio).padEnd(38)}  ` +
        `${cell(r.measured, r.ratio).padEnd(38)}  ${r.baseline === undefined ? '' : `${cell(r.baseline, r.baselineRatio).padEnd(38)}  `}${r.series}`,
    );
  }
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3], process.argv[4], new URL(process.argv[5]));
} else {
  await main();
}
