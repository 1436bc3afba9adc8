// The whole protocol in a real browser: the unmodified supertokens-web-js SDK
// in Debian's Chromium against the local gateway (the deploy/ definitions,
// the in-process authorizer and session API) and a real redis-server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cookieHeaderHas, missingTools, openApp, screenshot, sleep, startStack, state, waitFor, whoAmI } from './harness.mjs';

const ACCESS_TTL = 6000;
const ROTATE_AFTER = 2000;

const skip = missingTools();

describe('browser example on the local gateway', { skip: skip ?? false }, () => {
  let stack, redis, gw, browser;

  before(async () => {
    stack = await startStack({
      SESSION_ACCESS_TTL: `${ACCESS_TTL / 1000}s`,
      SESSION_ROTATE_AFTER: `${ROTATE_AFTER / 1000}s`,
      SESSION_GRACE: '3s',
      SESSION_IDLE_TIMEOUT: '1h',
      SESSION_ABSOLUTE_TIMEOUT: '2h',
      ALLOWED_ORIGINS: '{origin}', // only the app's own origin
    });
    ({ redis, gw, browser } = stack);
  });

  after(() => stack?.stop());

  async function signedIn(user, admin = false) {
    const context = await browser.newContext();
    const page = await openApp(context, gw.origin);
    const res = await page.evaluate(([u, a]) => window.sg.signIn(u, a), [user, admin]);
    assert.equal(res.status, 200, `sign-in answered ${res.status}: ${JSON.stringify(res.body)}`);
    // The SDK calls the refresh route once on a page's first load when it
    // holds no local session state (a routine 401): count from here on.
    page.refreshCalls = 0;
    return { context, page };
  }

  const accessCookie = async (context) => (await gw.sessionCookies(context)).access;

  test('sign in: /api/me shows the user in x-user-id, cookies are HttpOnly', async () => {
    const { context, page } = await signedIn('alice');
    const res = await whoAmI(page);
    assert.equal(res.status, 200);
    assert.equal(res.body.headers['x-user-id'], 'alice');
    const { access, refresh } = await gw.sessionCookies(context);
    assert.ok(access && refresh, `cookies: ${(await context.cookies()).map((c) => c.name)}`);
    for (const c of [access, refresh]) assert.equal(c.httpOnly, true, `${c.name} must be HttpOnly`);
    assert.equal(refresh.path, '/auth/session/refresh');
    // Page scripts cannot see the session cookies.
    const visible = await page.evaluate(() => document.cookie);
    for (const name of Object.values(gw.cookieNames)) assert.ok(!visible.includes(name), `page scripts see ${name}`);
    const st = await state(page);
    assert.equal(st.signedIn, true);
    assert.equal(st.userId, 'alice');
    await screenshot(page, 'signed-in');
    await context.close();
  });

  test('example-config.json: served at the root it says apiPrefix ""; missing (404) means the same; a bad one stops the app', async () => {
    const served = await fetch(`${gw.origin}/example-config.json`);
    assert.equal(served.status, 200);
    assert.deepEqual(await served.json(), {
      apiPrefix: '', accessCookieName: gw.cookieNames.access, refreshCookieName: gw.cookieNames.refresh,
    });

    // A static host without the file: the app calls the API at the root.
    const context = await browser.newContext();
    await context.route('**/example-config.json', (r) => r.fulfill({ status: 404, body: 'not found' }));
    const page = await openApp(context, gw.origin);
    assert.equal(await page.evaluate(() => window.sgState.apiPrefix), '');
    const res = await page.evaluate(() => window.sg.signIn('no-config-user', false));
    assert.equal(res.status, 200);
    assert.equal((await whoAmI(page)).body.headers['x-user-id'], 'no-config-user');
    await context.close();

    // A prefix that is not a path: no SDK, no API call, the error on screen.
    const bad = await browser.newContext();
    await bad.route('**/example-config.json', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: '{"apiPrefix":"prod/"}' }));
    const apiCalls = [];
    bad.on('request', (r) => { if (/\/(api|auth)\//.test(new URL(r.url()).pathname)) apiCalls.push(r.url()); });
    const badPage = await bad.newPage();
    await badPage.goto(`${gw.origin}/`);
    await badPage.waitForFunction(() => document.getElementById('result-title').textContent === 'Configuration');
    assert.match(await badPage.textContent('#result-body'), /apiPrefix must be "" or a path like "\/prod"/);
    assert.equal(await badPage.evaluate(() => document.body.dataset.ready), undefined);
    assert.deepEqual(apiCalls, []);
    await bad.close();
  });

  test('in-place rotation: a new access cookie and front-token through the authorizer, no refresh', async () => {
    const { context, page } = await signedIn('rotating-user');
    const before = await accessCookie(context);
    const ftBefore = await page.evaluate(() => document.cookie.match(/sFrontToken=([^;]*)/)?.[1]);
    await sleep(ROTATE_AFTER + 500);
    const res = await whoAmI(page);
    assert.equal(res.status, 200);
    const after = await accessCookie(context);
    assert.notEqual(after.value, before.value, 'the access cookie was not rotated');
    const ftAfter = await page.evaluate(() => document.cookie.match(/sFrontToken=([^;]*)/)?.[1]);
    assert.ok(ftBefore && ftAfter && ftAfter !== ftBefore, 'the SDK front-token did not update');
    assert.equal(page.refreshCalls, 0, 'rotation must not go through the refresh route');
    assert.ok((await state(page)).rotations >= 1, 'the app did not see the rotation');
    await context.close();
  });

  test('access expiry: 10 parallel calls all succeed and the refresh route is called once', async () => {
    const { context, page } = await signedIn('parallel-user');
    await sleep(ACCESS_TTL + 500);
    const statuses = await page.evaluate(() => Promise.all(
      Array.from({ length: 10 }, () => fetch('/api/me').then((r) => r.status)),
    ));
    assert.deepEqual(statuses, Array(10).fill(200));
    assert.equal(page.refreshCalls, 1, `refresh called ${page.refreshCalls} times`);
    const st = await state(page);
    assert.equal(st.refreshes, 1);
    await screenshot(page, 'refreshed');
    await context.close();
  });

  test('two tabs refreshing at once: no theft, both stay signed in', async () => {
    const { context, page } = await signedIn('two-tab-user');
    const page2 = await openApp(context, gw.origin);
    await sleep(ACCESS_TTL + 500);
    const [a, b] = await Promise.all([whoAmI(page), whoAmI(page2)]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    // Both tabs still work later, after another expiry.
    await sleep(ACCESS_TTL + 500);
    const [c, d] = await Promise.all([whoAmI(page), whoAmI(page2)]);
    assert.equal(c.status, 200);
    assert.equal(d.status, 200);
    for (const p of [page, page2]) {
      const st = await state(p);
      assert.equal(st.signedIn, true);
      assert.ok(!st.events.some((e) => e.startsWith('UNAUTHORISED')), `a tab was signed out: ${st.events}`);
    }
    assert.ok(page.refreshCalls + page2.refreshCalls >= 2);
    await context.close();
  });

  test('non-admin on /api/admin: 403 with claim errors and no refresh loop', async () => {
    const { context, page } = await signedIn('bob');
    const res = await page.evaluate(() => window.sg.adminCall());
    assert.equal(res.status, 403);
    assert.equal(res.body.message, 'invalid claim');
    assert.equal(res.body.claimValidationErrors[0].id, 'roles');
    assert.equal(page.refreshCalls, 0);
    const st = await state(page);
    assert.ok(st.events.some((e) => e.startsWith('API_INVALID_CLAIM')), `SDK events: ${st.events}`);
    await screenshot(page, 'admin-denied');
    // An admin gets through.
    const { context: ac, page: ap } = await signedIn('root', true);
    assert.equal((await ap.evaluate(() => window.sg.adminCall())).status, 200);
    await ac.close();
    await context.close();
  });

  test('a cross-origin POST without rid is refused and changes nothing', async () => {
    const { context, page } = await signedIn('victim', true);
    // Another origin (localhost is not 127.0.0.1) tries a credentialed,
    // state-changing request the way an attacker page would: a plain form
    // POST and a no-cors fetch, neither able to add a custom header.
    const evil = await context.newPage();
    const foreign = gw.origin.replace('127.0.0.1', 'localhost');
    await evil.goto(`${foreign}/public/status`);
    const seen = [];
    evil.on('response', (r) => { if (r.url().endsWith('/api/admin')) seen.push(r.status()); });
    await evil.evaluate((target) => fetch(target, { method: 'POST', mode: 'no-cors', credentials: 'include', body: 'x' }).catch(() => {}),
      `${gw.origin}/api/admin`);
    await evil.evaluate((target) => {
      const f = document.createElement('form');
      f.method = 'POST';
      f.action = target;
      document.body.appendChild(f);
      f.submit();
    }, `${gw.origin}/api/admin`);
    await waitFor('both forged requests to be answered', () => seen.length >= 2, 10000);
    for (const s of seen) assert.ok(s === 401 || s === 403, `forged POST answered ${s}`);
    // And a same-origin POST without rid (the SDK always adds it; this URL
    // opts out of its interception) is refused by the anti-CSRF rule.
    const noRid = await page.evaluate(async () => {
      const r = await fetch('/api/admin?superTokensDoNotDoInterception', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(noRid.status, 403);
    assert.equal(noRid.body.message, 'anti-csrf check failed');
    // The victim's session is untouched.
    assert.equal((await page.evaluate(() => window.sg.adminCall())).status, 200);
    await context.close();
  });

  test('sign-out: the next call is 401 and the SDK reports no session', async () => {
    const { context, page } = await signedIn('leaving-user');
    await page.evaluate(() => window.sg.signOut());
    const res = await whoAmI(page);
    assert.equal(res.status, 401);
    assert.equal(await page.evaluate(() => window.supertokensSession.doesSessionExist()), false);
    assert.equal((await state(page)).signedIn, false);
    assert.equal(await accessCookie(context), undefined, 'the access cookie was not cleared');
    await screenshot(page, 'signed-out');
    await context.close();
  });

  test('refresh cookie without the access cookie: the refresh is refused and the page ends signed out', async () => {
    const { context, page } = await signedIn('unbound-user');
    // What a refresh cookie planted by a sibling host amounts to: it reaches
    // the refresh route without an access cookie of its session. A refresh
    // by cookie is bound to the (__Host-) access cookie, so it refreshes
    // nothing.
    await context.clearCookies({ name: gw.cookieNames.access });
    const refreshReq = page.waitForRequest(gw.isCall('/auth/session/refresh', 'POST'));
    const res = await whoAmI(page);
    const req = await refreshReq;
    const headers = await req.allHeaders();
    assert.ok(cookieHeaderHas(headers.cookie, gw.cookieNames.refresh), 'the browser did not send the refresh cookie');
    assert.ok(!cookieHeaderHas(headers.cookie, gw.cookieNames.access), 'the access cookie was still sent');
    const refreshRes = await req.response();
    assert.equal(refreshRes.status(), 401);
    assert.deepEqual(await refreshRes.json(), { message: 'unauthorised' });
    assert.equal(await refreshRes.headerValue('front-token'), 'remove');
    assert.equal(res.status, 401);
    assert.equal(page.refreshCalls, 1, `refresh called ${page.refreshCalls} times`);
    assert.equal(await page.evaluate(() => window.supertokensSession.doesSessionExist()), false);
    const st = await state(page);
    assert.equal(st.signedIn, false);
    assert.ok(st.events.some((e) => e.startsWith('UNAUTHORISED')), `SDK events: ${st.events}`);
    assert.equal((await gw.sessionCookies(context)).refresh, undefined, 'the refresh cookie was not cleared');
    await context.close();
  });

  test('Redis stopped: 5xx and no cookie change; restarted: the same session continues', async () => {
    const { context, page } = await signedIn('outage-user');
    assert.equal((await whoAmI(page)).status, 200);
    const before = (await context.cookies()).map((c) => `${c.name}=${c.value}`).sort();
    await redis.stop();
    try {
      const res = await whoAmI(page);
      assert.ok(res.status >= 500 && res.status < 600, `answer during the outage: ${res.status}`);
      await screenshot(page, 'store-down');
      const during = (await context.cookies()).map((c) => `${c.name}=${c.value}`).sort();
      assert.deepEqual(during, before, 'cookies changed during the outage');
      assert.equal(page.refreshCalls, 0);
    } finally {
      await redis.start();
    }
    let last;
    await waitFor('the same session to work again', async () => {
      last = await whoAmI(page);
      return last.status === 200;
    }, 15000);
    assert.equal(last.body.headers['x-user-id'], 'outage-user');
    const st = await state(page);
    assert.equal(st.signedIn, true);
    await context.close();
  });
});
