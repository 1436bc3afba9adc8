// Test harness for the browser tests: a real redis-server (persisted, so it
// can be stopped and restarted on the same port without losing sessions),
// the real local gateway built from ../cmd/localgateway, and Debian's
// Chromium driven by playwright-core. Everything it starts it stops.
//
// Under CI=true a missing redis-server or Chromium fails the tests; on a
// developer machine they are skipped with a message.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
 *
 * Once it serves, cookieNames holds the session cookies' names as the
 * gateway publishes them in /example-config.json (from the session API's
 * configuration): { access, refresh }. The tests assert those exact names.
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
      const cfg = await (await fetch(`${g.origin}/example-config.json`)).json();
      g.cookieNames = { access: cfg.accessCookieName, refresh: cfg.refreshCookieName };
      if (typeof g.cookieNames.access !== 'string' || typeof g.cookieNames.refresh !== 'string') {
        throw new Error(`example-config.json names no session cookies: ${JSON.stringify(cfg)}`);
      }
    } catch (err) {
      await g.stop();
      throw err;
    }
    return g;
  }
  /** What the gateway printed so far (stdout and stderr, interleaved). */
  logText() { return this.log.join(''); }
  /**
   * A predicate for page.waitForRequest / waitForResponse (or a request or
   * response listener): a method call to exactly path on this gateway.
   */
  isCall(path, method = 'GET') {
    return (r) => {
      const req = r.request ? r.request() : r;
      return req.method() === method && r.url() === `${this.origin}${path}`;
    };
  }
  /**
   * The browser's session cookies in context: { access, refresh }, each
   * the Playwright cookie of this gateway's exact name (cookieNames) or
   * undefined. Fails when it holds two of one name (other paths).
   */
  async sessionCookies(context) {
    const all = await context.cookies();
    const one = (name) => {
      const found = all.filter((c) => c.name === name);
      if (found.length > 1) throw new Error(`the browser holds ${found.length} ${name} cookies: ${found.map((c) => c.path)}`);
      return found[0];
    };
    return { access: one(this.cookieNames.access), refresh: one(this.cookieNames.refresh) };
  }
  async stop() {
    if (this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    await Promise.race([this.exited, sleep(5000).then(() => this.proc.kill('SIGKILL'))]);
  }
}

/** Whether a Cookie request header carries a cookie named name. */
export function cookieHeaderHas(header, name) {
  return (header ?? '').split(/;\s*/).some((pair) => {
    const eq = pair.indexOf('=');
    return eq > 0 && pair.slice(0, eq) === name;
  });
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

/** A SESSION_KEYS value: one pair of a 32-byte hash key and a 32-byte block key. */
export const sessionKeys = () => `${randomBytes(32).toString('base64')}:${randomBytes(32).toString('base64')}`;

/**
 * What a browser test starts: a redis-server, the local gateway on it with
 * fresh SESSION_KEYS and its own origin as ALLOWED_ORIGINS (env adds to or
 * overrides these; options go to Gateway.start), and Chromium:
 * { redis, gw, browser, stop }. stop() stops whatever started, and is
 * called before start-up fails.
 */
export async function startStack(env = {}, options = {}) {
  const stack = {
    redis: null,
    gw: null,
    browser: null,
    async stop() {
      await stack.browser?.close();
      await stack.gw?.stop();
      await stack.redis?.destroy();
    },
  };
  try {
    stack.redis = await Redis.start();
    stack.gw = await Gateway.start({ REDIS_URL: stack.redis.url, SESSION_KEYS: sessionKeys(), ALLOWED_ORIGINS: '{origin}', ...env }, options);
    stack.browser = await launchChromium();
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** The example's state (window.sgState), its events copied. */
export const state = (page) => page.evaluate(() => ({ ...window.sgState, events: [...window.sgState.events] }));

/** GET <apiPrefix>/api/me through the SDK, as the example's button calls it. */
export const whoAmI = (page) => page.evaluate(() => window.sg.whoAmI());

/**
 * A call's outcome for a message: status and the body's message, never the
 * body itself (the echo backend's answer lists headers).
 */
export const brief = (res) => `${res.status} ${res.body && typeof res.body === 'object' ? res.body.message ?? '' : ''}`;

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

export { sleep, waitFor };
