// Test harness for the browser tests: a real redis-server (persisted, so it
// can be stopped and restarted on the same port without losing sessions),
// the real local gateway built from ../cmd/localgateway, and Debian's
// Chromium driven by playwright-core. Everything it starts it stops.
//
// Under CI=true a missing redis-server or Chromium fails the tests; on a
// developer machine they are skipped with a message.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const exampleDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = join(exampleDir, '..');
export const screenshotDir = join(exampleDir, 'tests', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync',
];

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Returns a reason to skip, or null; throws under CI=true when something is missing. */
export function missingTools() {
  const missing = [];
  if (!which('redis-server')) missing.push('redis-server');
  if (!existsSync(CHROMIUM)) missing.push(CHROMIUM);
  if (!which('go')) missing.push('go');
  if (missing.length === 0) return null;
  const msg = `browser tests need ${missing.join(', ')} (make test installs them)`;
  if (process.env.CI === 'true') throw new Error(msg);
  return msg;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, check, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function ping(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    s.setTimeout(1000, () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('\r\n')) { s.end(); resolve(buf.startsWith('+PONG')); }
    });
  });
}

/** A redis-server with append-only persistence in its own temp dir. */
export class Redis {
  constructor(port, dir) {
    this.port = port;
    this.dir = dir;
    this.proc = null;
  }
  static async start() {
    const r = new Redis(await freePort(), mkdtempSync(join(tmpdir(), 'sg-browser-redis-')));
    await r.start();
    return r;
  }
  get url() { return `redis://127.0.0.1:${this.port}/0`; }
  async start() {
    this.proc = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes',
      '--appendfsync', 'always', '--dir', this.dir, '--daemonize', 'no', '--logfile', join(this.dir, 'redis.log'),
    ], { stdio: 'ignore' });
    await waitFor(`redis-server on port ${this.port}`, () => ping(this.port));
  }
  async stop() {
    if (!this.proc) return;
    const p = this.proc;
    this.proc = null;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, sleep(5000).then(() => p.kill('SIGKILL'))]);
    await exited;
  }
  async destroy() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let built = null;
function buildGateway() {
  if (!built) {
    const dir = mkdtempSync(join(tmpdir(), 'sg-browser-gw-'));
    const bin = join(dir, 'localgateway');
    const res = spawnSync('go', ['build', '-o', bin, './cmd/localgateway'], { cwd: repoRoot, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`cmd/localgateway does not build:\n${res.stderr}`);
    built = bin;
  }
  return built;
}

/**
 * The local gateway as a process, on a free port, with only PATH, HOME and
 * env in its environment (nothing else leaks in from the caller's shell).
 * "{origin}" in an env value or an argument stands for the gateway's own
 * origin. args are extra flags, e.g. ['-stage', 'prod']; readyPath is a
 * route that answers 200 once it serves (under a stage, /prod/public/status).
 */
export class Gateway {
  static async start(env, { args = [], readyPath = '/public/status' } = {}) {
    const g = new Gateway();
    g.port = await freePort();
    g.origin = `http://127.0.0.1:${g.port}`;
    g.log = [];
    const withOrigin = (v) => String(v).replaceAll('{origin}', g.origin);
    const childEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, withOrigin(v)]));
    g.proc = spawn(buildGateway(), ['-addr', `127.0.0.1:${g.port}`, ...args.map(withOrigin)], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...childEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [g.proc.stdout, g.proc.stderr]) {
      s.setEncoding('utf8');
      s.on('data', (d) => { if (g.log.length < 5000) g.log.push(d); });
    }
    const exited = new Promise((r) => g.proc.once('exit', (code) => r(code)));
    g.exited = exited;
    const ready = `${g.origin}${readyPath}`;
    try {
      await Promise.race([
        waitFor(`the local gateway to answer 200 on ${readyPath}`, async () => (await fetch(ready)).status === 200),
        exited.then((code) => { throw new Error(`local gateway exited (${code}):\n${g.logText()}`); }),
      ]);
    } catch (err) {
      await g.stop();
      throw err;
    }
    return g;
  }
  /** What the gateway printed so far (stdout and stderr, interleaved). */
  logText() { return this.log.join(''); }
  async stop() {
    if (this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    await Promise.race([this.exited, sleep(5000).then(() => this.proc.kill('SIGKILL'))]);
  }
}

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Opens the example in a page and waits until the SDK's first session check
 * ran. path is the page's path and query: '/?mode=header' for header mode.
 */
export async function openApp(context, origin, path = '/') {
  const page = await context.newPage();
  page.refreshCalls = 0;
  page.on('request', (r) => { if (r.url().endsWith('/auth/session/refresh')) page.refreshCalls++; });
  await page.goto(`${origin}${path}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

export { sleep, waitFor };
