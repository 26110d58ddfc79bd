/**
 * Test helper: runs the real Graphite carbon-cache (Debian `graphite-carbon`) as a plain
 * child process on free 127.0.0.1 ports, with everything under a temp directory, and reads
 * the whisper files it writes back from Node.
 *
 * On a machine without carbon it tries `apt-get install -y graphite-carbon python3-whisper`
 * once (as root, or with sudo -n). If carbon is still missing, `carbonUnavailable()` says why:
 * tests skip with a loud message, except under `CI=true`, where they must fail.
 */

import { freePort, tcpOpen } from './net.js';
import { waitUntil } from './wait.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

/** Debian's Python: the one that can import whisper and carbon (a pyenv python3 on PATH cannot). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const CARBON_CACHE = '/usr/bin/carbon-cache';

let availability: string | null | undefined;

function carbonInstalled(): boolean {
  if (!existsSync(CARBON_CACHE) || !existsSync(SYSTEM_PYTHON)) return false;
  return spawnSync(SYSTEM_PYTHON, ['-c', 'import whisper, twisted, carbon'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs apt-get once per machine and hour: every test file runs in its own process, so the
 * first to create the marker file installs and the others wait for it to write `done`.
 */
function installOnce(): void {
  const marker = join(tmpdir(), 'tapemeasure-carbon-install-attempt');
  try {
    if (Date.now() - statSync(marker).mtimeMs > 3_600_000) rmSync(marker, { force: true });
  } catch {
    // no attempt yet
  }
  let mine = false;
  try {
    writeFileSync(marker, 'installing', { flag: 'wx' });
    mine = true;
  } catch {
    // another process installs (or tried within the hour)
  }
  if (!mine) {
    const deadline = Date.now() + 300_000;
    const state = (): string => {
      try {
        return readFileSync(marker, 'utf8');
      } catch {
        return 'done';
      }
    };
    while (Date.now() < deadline && state() !== 'done') spawnSync('sleep', ['0.5']);
    return;
  }
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (args: string[]): boolean => {
    const [cmd, ...rest] = [...sudo, ...args];
    const r = spawnSync(cmd!, rest, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 300_000,
    });
    return r.status === 0;
  };
  const install = ['apt-get', 'install', '-y', '-q', 'graphite-carbon', 'python3-whisper'];
  if (!run(install)) {
    run(['apt-get', 'update', '-q']);
    run(install);
  }
  writeFileSync(marker, 'done');
}

/**
 * Why carbon cannot run here, or `null` when it can. Installs it with apt-get the first
 * time if it is missing and we may (root, or passwordless sudo).
 */
export function carbonUnavailable(): string | null {
  if (availability !== undefined) return availability;
  if (!carbonInstalled()) installOnce();
  availability = carbonInstalled()
    ? null
    : `carbon-cache is not installed (${CARBON_CACHE} with ${SYSTEM_PYTHON} able to import whisper); ` +
      'install it with: apt-get install -y graphite-carbon python3-whisper';
  return availability;
}

/**
 * For `describe.skipIf(...)`: true when carbon is unavailable outside CI (with a loud
 * warning). Under `CI=true` a missing carbon is not skipped: the suite fails instead.
 */
export function skipWithoutCarbon(): boolean {
  const reason = carbonUnavailable();
  if (reason === null) return false;
  if (process.env.CI === 'true') return false;
  console.warn(`\n\n!!! SKIPPING real-carbon tests: ${reason}\n!!! (under CI=true these tests fail instead)\n`);
  return true;
}

/** A free TCP port on 127.0.0.1, as the OS hands it out. */
export const freeTcpPort = (): Promise<number> => freePort('tcp');
export const freeUdpPort = (): Promise<number> => freePort('udp');

function udpBound(port: number): boolean {
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let table: string;
  try {
    table = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return true; // not Linux: the TCP ports being open has to do
  }
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(suffix) === true);
}

/** One stored datapoint: `[timestampS, value]`. */
export type WhisperPoint = readonly [number, number];

/** Options of {@link startCarbon}. */
export type CarbonOptions = {
  /** Ports to reuse (a restart on the same ports); free ones are chosen when absent. */
  readonly ports?: { readonly line: number; readonly pickle: number; readonly udp: number };
  /** An existing directory to reuse (its whisper files are kept). */
  readonly dir?: string;
  /** Retention of every series. Default `1s:1h`. */
  readonly retentions?: string;
  /** Max pickle payload in bytes. Default carbon's 1 MiB. */
  readonly pickleMaxBytes?: number;
};

/** A running carbon-cache. */
export type CarbonServer = {
  readonly dir: string;
  readonly whisperDir: string;
  readonly linePort: number;
  readonly picklePort: number;
  readonly udpPort: number;
  readonly pid: number;
  /** SIGTERM (carbon flushes its cache), SIGKILL after 10 s. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, no flush. */
  kill(): Promise<void>;
  /** carbon's log so far. */
  log(): string;
};

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function writeConfig(dir: string, ports: { line: number; pickle: number; udp: number }, options: CarbonOptions): string {
  const conf = join(dir, 'conf');
  for (const d of [conf, join(dir, 'storage', 'whisper'), join(dir, 'storage', 'lists'), join(dir, 'log')]) {
    mkdirSync(d, { recursive: true });
  }
  // Facts from running carbon 1.1.7: Debian's defaults throttle creates (50/min) and drop
  // the datapoints beyond; USER must be empty or carbon switches to _graphite; the
  // writer thread sleeps 1 s whenever the cache is empty, so reads poll for ~3 s.
  writeFileSync(
    join(conf, 'carbon.conf'),
    `[cache]
STORAGE_DIR = ${dir}/storage/
LOCAL_DATA_DIR = ${dir}/storage/whisper/
WHITELISTS_DIR = ${dir}/storage/lists/
CONF_DIR = ${conf}/
LOG_DIR = ${dir}/log/
PID_DIR = ${dir}/
USER =
ENABLE_LOGROTATION = False
DATABASE = whisper
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
MIN_TIMESTAMP_RESOLUTION = 1
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = ${ports.line}
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = ${ports.pickle}
PICKLE_RECEIVER_MAX_LENGTH = ${options.pickleMaxBytes ?? 1_048_576}
USE_INSECURE_UNPICKLER = False
ENABLE_UDP_LISTENER = True
UDP_RECEIVER_INTERFACE = 127.0.0.1
UDP_RECEIVER_PORT = ${ports.udp}
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = 0
USE_FLOW_CONTROL = True
CACHE_WRITE_STRATEGY = sorted
WHISPER_AUTOFLUSH = False
ENABLE_TAGS = False
TAG_HASH_FILENAMES = True
CARBON_METRIC_INTERVAL = 0
LOG_LISTENER_CONN_SUCCESS = True
LOG_UPDATES = False
LOG_CREATES = True
LOG_CACHE_HITS = False
LOG_CACHE_QUEUE_SORTS = False
`,
  );
  writeFileSync(
    join(conf, 'storage-schemas.conf'),
    `[everything]\npattern = .*\nretentions = ${options.retentions ?? '1s:1h'}\n`,
  );
  writeFileSync(
    join(conf, 'storage-aggregation.conf'),
    '[default]\npattern = .*\nxFilesFactor = 0\naggregationMethod = average\n',
  );
  return join(conf, 'carbon.conf');
}

/**
 * Starts carbon-cache and resolves once its line, pickle and UDP ports are open.
 *
 * @throws if carbon is not installed or does not come up within 30 s.
 */
export async function startCarbon(options: CarbonOptions = {}): Promise<CarbonServer> {
  const reason = carbonUnavailable();
  if (reason !== null) throw new Error(reason);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tapemeasure-carbon-'));
  const ports = options.ports ?? { line: await freeTcpPort(), pickle: await freeTcpPort(), udp: await freeUdpPort() };
  const config = writeConfig(dir, ports, options);
  const logFile = join(dir, 'carbon.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    CARBON_CACHE,
    [`--config=${config}`, `--pidfile=${join(dir, 'carbon.pid')}`, '--nodaemon', 'start'],
    { detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  running.add(child);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
  });
  child.unref();
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  try {
    await waitUntil(async () => exited || ((await tcpOpen(ports.line)) && (await tcpOpen(ports.pickle)) && udpBound(ports.udp)), {
      what: 'the carbon-cache ports',
      timeoutMs: 30_000,
      pollMs: 50,
      context: () => log().slice(-2000),
    });
    if (exited) throw new Error(`carbon-cache exited during startup:\n${log().slice(-2000)}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (exited) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  return {
    dir,
    whisperDir: join(dir, 'storage', 'whisper'),
    linePort: ports.line,
    picklePort: ports.pickle,
    udpPort: ports.udp,
    pid: child.pid!,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    log,
  };
}

/** Removes a carbon directory (after stop). */
export function removeCarbonDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The whisper file carbon writes a series to: `a/b/c.wsp`, or for a tagged series
 * (`a.b;k=v`, tags sorted as carbon sorts them) `_tagged/<sha[0:3]>/<sha[3:6]>/<sha>.wsp`
 * with TAG_HASH_FILENAMES = True.
 */
export function whisperFile(whisperDir: string, path: string): string {
  const semi = path.indexOf(';');
  if (semi === -1) return join(whisperDir, ...path.replace(/^\.+/, '').split('.')) + '.wsp';
  const normalized = path.slice(0, semi) + path.slice(semi).split(';').filter(Boolean).map((t) => `;${t}`).sort().join('');
  const hash = createHash('sha256').update(normalized, 'utf8').digest('hex');
  return join(whisperDir, '_tagged', hash.slice(0, 3), hash.slice(3, 6), `${hash}.wsp`);
}

/**
 * Reads every written point of the first (finest) archive of a whisper file, sorted by
 * time, including future ones. Whisper layout: a 16-byte header (aggregation, max retention,
 * xFilesFactor, archive count), 12 bytes per archive (offset, seconds per point, points),
 * then 12-byte points (uint32 timestamp, float64 value), all big-endian.
 * A missing, empty or half-created file reads as no points.
 */
export function readWhisper(file: string): WhisperPoint[] {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return [];
  }
  if (buf.length < 28) return [];
  const archives = buf.readUInt32BE(12);
  if (archives < 1) return [];
  const offset = buf.readUInt32BE(16);
  const count = buf.readUInt32BE(24);
  if (buf.length < offset + count * 12) return [];
  const points = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const ts = buf.readUInt32BE(offset + i * 12);
    if (ts !== 0) points.set(ts, buf.readDoubleBE(offset + i * 12 + 4));
  }
  return [...points].sort((a, b) => a[0] - b[0]);
}

/** Points of one series, by the path as sent. */
export function readSeries(whisperDir: string, path: string): WhisperPoint[] {
  return readWhisper(whisperFile(whisperDir, path));
}

/**
 * Polls until `check` returns true for the series read back, or throws after `timeoutMs`
 * (carbon's writer can take a little over 1 s to write what it received).
 */
export async function waitForSeries(
  whisperDir: string,
  paths: readonly string[],
  check: (points: ReadonlyMap<string, WhisperPoint[]>) => boolean,
  timeoutMs = 8_000,
): Promise<Map<string, WhisperPoint[]>> {
  let read = new Map<string, WhisperPoint[]>();
  try {
    await waitUntil(
      () => {
        read = new Map(paths.map((p) => [p, readSeries(whisperDir, p)]));
        return check(read);
      },
      { what: 'the whisper series', timeoutMs, pollMs: 100 },
    );
  } catch {
    // Return what was read last: the caller's assertions show what differs.
  }
  return read;
}

/**
 * Runs a Python snippet under Debian's python3 with `input` on stdin; returns stdout.
 *
 * @throws if it exits non-zero (stderr in the message).
 */
export function runSystemPython(script: string, input?: Buffer | string): string {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', script], { input, timeout: 20_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr.toString()}`);
  return r.stdout.toString();
}
