// The deployed configuration in a browser.
//
// The local gateway serves the example API exactly as deploy/ describes it —
// the embedded openapi.json, the route rules of deploy/rules.json (the file
// the build puts beside the authorizer) and each function's environment from
// deploy/template.yaml — under the stage /prod, as on an execute-api URL. The
// unmodified supertokens-web-js SDK in headless Chromium then runs the whole
// flow a deployed user sees: sign in, /prod/api/me, a viewer denied on
// /prod/api/admin, the access token expiring, refresh, sign-out.
//
// Nothing here describes the API or its rules: if a route rule, the stage or
// the refresh cookie's path existed only in the local run, this test would
// not see it. The only local overrides are the ones the README lists for the
// local gateway:
//   REDIS_URL        a real redis-server started by the harness
//   SESSION_KEYS     fresh keys (the template reads them from Secrets Manager)
//   LOG_SALT         the gateway's own (the template reads it from Secrets
//                    Manager; all functions share one, as deployed)
//   ALLOWED_ORIGINS  the gateway's own origin (the template's AllowedOrigin)
//   -access-ttl, -rotate-after   lifetimes of seconds instead of 15m / 5m, so
//                    that the access token expires while the test watches
// AUTHZ_RULES is set nowhere: the harness starts the gateway with only PATH,
// HOME and the variables above in its environment.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cookieHeaderHas, missingTools, openApp, screenshot, startStack, state as stateOf, waitFor } from './harness.mjs';

const STAGE = 'prod';
const PREFIX = `/${STAGE}`;
const ACCESS_TTL = '4s';
const ROTATE_AFTER = '2s';

const skip = missingTools();

// Paths the page may load from outside the stage: the example itself and its
// configuration. Every API call must go under the stage.
const STATIC = /^\/(|app\.js|style\.css|example-config\.json|vendor\/[^/]+\.js)$/;

// The session cookies' names with the template's cookie attributes
// (COOKIE_SECURE "true", no COOKIE_DOMAIN): the strongest prefix each
// cookie's attributes allow (session.DefaultCookieNames). The one place the
// browser tests spell them; everywhere else they come from the gateway's
// example-config.json (harness.mjs, Gateway.cookieNames).
const TEMPLATE_COOKIE_NAMES = { access: '__Host-sAccessToken', refresh: '__Secure-sRefreshToken' };

describe('the deployed configuration in a browser', { skip: skip ?? false }, () => {
  let stack, gw, context, page;
  const outsideStage = []; // API-looking requests the page sent outside /prod

  before(async () => {
    stack = await startStack({}, {
      args: ['-stage', STAGE, '-access-ttl', ACCESS_TTL, '-rotate-after', ROTATE_AFTER],
      readyPath: `${PREFIX}/public/status`,
    });
    gw = stack.gw;
    context = await stack.browser.newContext();
    context.on('request', (r) => {
      const url = new URL(r.url());
      if (url.origin === gw.origin && !STATIC.test(url.pathname) && !url.pathname.startsWith(`${PREFIX}/`)) {
        outsideStage.push(`${r.method()} ${url.pathname}`);
      }
    });
  });

  after(() => stack?.stop());

  const state = () => stateOf(page);
  // The session cookies, by the exact names the gateway publishes.
  const cookies = () => gw.sessionCookies(context);
  const isApi = (path, method) => gw.isCall(`${PREFIX}${path}`, method);

  test('the gateway serves the embedded deploy/ definition under /prod with the template environment', async () => {
    const cfg = await fetch(`${gw.origin}/example-config.json`);
    assert.equal(cfg.status, 200);
    assert.deepEqual(await cfg.json(), {
      apiPrefix: PREFIX, accessCookieName: TEMPLATE_COOKIE_NAMES.access, refreshCookieName: TEMPLATE_COOKIE_NAMES.refresh,
    });
    const status = await fetch(`${gw.origin}${PREFIX}/public/status`);
    assert.equal(status.status, 200);
    assert.deepEqual(await status.json(), { status: 'ok' });
    // The gateway names every variable it set instead of the template, and
    // where the rules come from. Only the overrides listed at the top may
    // appear (REDIS_MODE goes with REDIS_URL: the template's cluster mode
    // does not apply to the local store; ALLOWED_ORIGINS is listed only when
    // it differs from the template's AllowedOrigin, which defaults locally
    // to the same origin).
    await waitFor('the gateway\'s start-up lines', () => /route rules? from/.test(gw.logText()), 5000);
    const log = gw.logText();
    assert.match(log, /serving deploy\/openapi\.json \(embedded\) under \/prod\b/);
    const env = log.match(/the functions' environment comes from (deploy\/template\.yaml[^;]*); set locally instead: (.*)$/m);
    assert.ok(env, `the gateway did not say where the functions' environment comes from:\n${log}`);
    const overridden = env[2].split(',').map((n) => n.trim()).sort();
    const allowed = ['ALLOWED_ORIGINS', 'LOG_SALT', 'REDIS_MODE', 'REDIS_URL', 'SESSION_ACCESS_TTL', 'SESSION_KEYS', 'SESSION_ROTATE_AFTER'];
    assert.deepEqual(overridden.filter((n) => !allowed.includes(n)), [], `overrides beyond the documented ones: ${overridden}`);
    for (const n of ['REDIS_URL', 'SESSION_KEYS', 'SESSION_ACCESS_TTL', 'SESSION_ROTATE_AFTER']) {
      assert.ok(overridden.includes(n), `${n} was not overridden: ${overridden}`);
    }
    const rules = log.match(/the authorizer enforces (\d+) route rules? from (.*)$/m);
    assert.ok(rules, `the gateway did not say where the route rules come from:\n${log}`);
    assert.match(rules[2], /rules\.json/, 'the rules must come from deploy/rules.json');
    assert.doesNotMatch(rules[2], /AUTHZ_RULES/, 'AUTHZ_RULES is set nowhere in this test');
    assert.ok(Number(rules[1]) > 0, 'deploy/rules.json holds no rule');
  });

  test('sign in as a viewer through the demo route', async () => {
    page = await openApp(context, gw.origin);
    assert.equal((await state()).apiPrefix, PREFIX, 'the app did not read example-config.json');
    const listed = page.waitForResponse(isApi('/auth/sessions'));
    const res = await page.evaluate(() => window.sg.signIn('viewer-1', false));
    assert.equal(res.status, 200, `sign-in answered ${res.status}: ${JSON.stringify(res.body)}`);
    const st = await state();
    assert.equal(st.signedIn, true);
    assert.equal(st.userId, 'viewer-1');
    // The "Active sessions" panel loaded the list from the deployed
    // definition's GET /prod/auth/sessions: this one session, current.
    assert.equal((await listed).status(), 200, `GET ${PREFIX}/auth/sessions`);
    const rows = await page.evaluate(() => [...document.querySelectorAll('#sessions-list li')].map((li) => li.dataset.current));
    assert.deepEqual(rows, ['true']);
  });

  test('the refresh cookie has Path /prod/auth/session/refresh, with the template\'s cookie names and attributes', async () => {
    // The template's names, and Chromium stored the cookies under them:
    // a __Host- cookie only when Secure, host-only and on Path /, a
    // __Secure- one only when Secure.
    assert.deepEqual(gw.cookieNames, TEMPLATE_COOKIE_NAMES);
    const all = await context.cookies();
    const names = all.filter((c) => c.name.endsWith('sAccessToken') || c.name.endsWith('sRefreshToken')).map((c) => c.name).sort();
    assert.deepEqual(names, [TEMPLATE_COOKIE_NAMES.access, TEMPLATE_COOKIE_NAMES.refresh], 'the browser holds other session cookies');
    const { access, refresh } = await cookies();
    assert.ok(access && refresh, 'sign-in did not set both session cookies');
    assert.equal(refresh.path, `${PREFIX}/auth/session/refresh`);
    assert.equal(access.path, '/');
    const host = new URL(gw.origin).hostname;
    for (const c of [access, refresh]) {
      // template.yaml: COOKIE_SECURE "true", no COOKIE_DOMAIN, COOKIE_SAMESITE
      // from CookieSameSite (default lax).
      assert.equal(c.httpOnly, true, `${c.name} must be HttpOnly`);
      assert.equal(c.secure, true, `${c.name} must be Secure (COOKIE_SECURE in the template)`);
      assert.equal(c.domain, host, `${c.name} must be host-only (no Domain attribute)`);
      assert.equal(c.sameSite, 'Lax', `${c.name} SameSite`);
    }
  });

  test('GET /prod/api/me answers with the mapped x-user-id; the refresh cookie is not sent there', async () => {
    const sent = page.waitForRequest(isApi('/api/me'));
    const res = await page.evaluate(() => window.sg.whoAmI());
    assert.equal(res.status, 200, `answer: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.headers['x-user-id'], 'viewer-1');
    const headers = await (await sent).allHeaders();
    assert.ok(cookieHeaderHas(headers.cookie, gw.cookieNames.access), 'the access cookie was not sent to /prod/api/me');
    assert.ok(!cookieHeaderHas(headers.cookie, gw.cookieNames.refresh), 'the refresh cookie must reach the refresh route only');
    await screenshot(page, 'fidelity-signed-in');
  });

  test('a viewer on /prod/api/admin: 403 with the claim body (rules from deploy/rules.json)', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await page.evaluate(async ([m, path]) => {
        const r = await fetch(window.sg.api(path), { method: m, headers: { 'content-type': 'application/json' }, body: m === 'POST' ? '{}' : undefined });
        return { status: r.status, body: await r.json() };
      }, [method, '/api/admin']);
      assert.equal(res.status, 403, `${method} ${PREFIX}/api/admin answered ${res.status}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(Object.keys(res.body).sort(), ['claimValidationErrors', 'message']);
      assert.equal(res.body.message, 'invalid claim');
      assert.ok(Array.isArray(res.body.claimValidationErrors) && res.body.claimValidationErrors.length > 0,
        `claimValidationErrors: ${JSON.stringify(res.body.claimValidationErrors)}`);
      assert.equal(res.body.claimValidationErrors[0].id, 'roles');
    }
    // The app's own button (POST) goes to the same route under the stage.
    const res = await page.evaluate(() => window.sg.adminCall());
    assert.equal(res.status, 403);
    const st = await state();
    assert.ok(st.events.some((e) => e.startsWith('API_INVALID_CLAIM')), `SDK events: ${st.events}`);
    assert.equal(st.signedIn, true, 'a 403 must not end the session');
    await screenshot(page, 'fidelity-admin-denied');
  });

  test('after the access token expires the SDK refreshes at /prod/auth/session/refresh with the refresh cookie, and retries', async () => {
    // The access token's expiry as the SDK holds it (front-token "ate", ms).
    // Only a call can show that the token has expired, and a call before
    // expiry may rotate it in place (which moves the expiry), so the page
    // waits until the token's own expiry has passed, then makes one call.
    const ate = await page.evaluate(() => {
      const raw = document.cookie.match(/(?:^|; )sFrontToken=([^;]*)/)?.[1];
      return raw ? JSON.parse(atob(decodeURIComponent(raw))).ate : null;
    });
    assert.equal(typeof ate, 'number', 'the SDK holds no front-token');
    const refreshesBefore = (await state()).refreshes;
    const meStatuses = [];
    const onResponse = (r) => { if (isApi('/api/me')(r)) meStatuses.push(r.status()); };
    page.on('response', onResponse);
    try {
      await page.waitForFunction((t) => Date.now() > t, ate, { polling: 100, timeout: 60000 });
      const refreshReq = page.waitForRequest(isApi('/auth/session/refresh', 'POST'));
      const res = await page.evaluate(() => window.sg.whoAmI());
      const req = await refreshReq;
      const headers = await req.allHeaders();
      assert.ok(cookieHeaderHas(headers.cookie, gw.cookieNames.refresh),
        `the browser did not send the refresh cookie to ${PREFIX}/auth/session/refresh`);
      const refreshRes = await req.response();
      assert.equal(refreshRes.status(), 200, `${PREFIX}/auth/session/refresh answered ${refreshRes.status()}`);
      assert.equal(res.status, 200, `the retried call answered ${res.status}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.headers['x-user-id'], 'viewer-1');
      assert.deepEqual(meStatuses, [401, 200], 'expected the expired call (401) and its retry (200)');
    } finally {
      page.off('response', onResponse);
    }
    const st = await state();
    assert.equal(st.refreshes, refreshesBefore + 1);
    assert.ok(!st.events.some((e) => e.startsWith('UNAUTHORISED')), `the SDK signed out: ${st.events}`);
    assert.ok((await cookies()).refresh?.path === `${PREFIX}/auth/session/refresh`, 'the rotated refresh cookie has the wrong Path');
    await screenshot(page, 'fidelity-refreshed');
  });

  test('sign-out clears both cookies and the front-token', async () => {
    const signOutRes = page.waitForResponse(isApi('/auth/signout', 'POST'));
    await page.evaluate(() => window.sg.signOut());
    const res = await signOutRes;
    assert.equal(res.status(), 200);
    assert.equal(await res.headerValue('front-token'), 'remove');
    const left = await cookies();
    assert.equal(left.access, undefined, 'the access cookie was not cleared');
    assert.equal(left.refresh, undefined, 'the refresh cookie was not cleared');
    assert.equal(await page.evaluate(() => /(?:^|; )sFrontToken=/.test(document.cookie)), false, 'the SDK still holds a front-token');
    assert.equal(await page.evaluate(() => window.supertokensSession.doesSessionExist()), false);
    const me = await page.evaluate(() => window.sg.whoAmI());
    assert.equal(me.status, 401);
    assert.equal((await state()).signedIn, false);
    await screenshot(page, 'fidelity-signed-out');
  });

  test('every API call of the page went under the stage', () => {
    assert.ok(page, 'the flow above did not run');
    assert.deepEqual(outsideStage, []);
  });
});
