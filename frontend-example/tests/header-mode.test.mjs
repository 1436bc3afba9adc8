// Header mode in a real browser: the unmodified supertokens-web-js SDK with
// tokenTransferMethod "header" (the example opened as /?mode=header) in
// Debian's Chromium, against the local gateway (the deploy/ definitions, the
// in-process authorizer and session API) and a real redis-server.
//
// In header mode the session does not travel in cookies the server sets.
// The SDK sends st-auth-mode: header, keeps the tokens the server returns in
// the st-access-token / st-refresh-token response headers (in cookies of its
// own that page scripts can read: the security trade-off of header mode),
// and sends them back as Authorization: Bearer — the access token on API
// calls and sign-out, the refresh token on the refresh call alone. A
// front-token comes with every new access token, and front-token: remove
// ends the session in the SDK.
//
// Lifetimes are seconds (-access-ttl, -rotate-after), and the tests wait on
// what the SDK holds — the front-token's "ate", the access token's expiry in
// ms — never for a fixed time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { brief, missingTools, openApp, screenshot, startStack, state, whoAmI } from './harness.mjs';

const ACCESS_TTL_MS = 6000;
const ROTATE_AFTER_MS = 2000;
const HEADER_MODE = '/?mode=header';

const skip = missingTools();

// The SDK's own names for what it stores (supertokens-website, fetch.js).
const SDK_ACCESS = 'st-access-token';
const SDK_REFRESH = 'st-refresh-token';
const SDK_FRONT = 'sFrontToken';

describe('header mode: bearer tokens in a browser on the local gateway', { skip: skip ?? false }, () => {
  let stack, gw, browser;

  before(async () => {
    stack = await startStack({}, {
      args: ['-access-ttl', `${ACCESS_TTL_MS / 1000}s`, '-rotate-after', `${ROTATE_AFTER_MS / 1000}s`],
    });
    ({ gw, browser } = stack);
  });

  after(() => stack?.stop());

  const isApi = (path, method) => gw.isCall(path, method);

  /** What the SDK holds, read as a page script can read it (document.cookie). */
  const stored = (page) => page.evaluate(([a, r, f]) => {
    const get = (name) => {
      const m = document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
      return m ? m[1] : undefined;
    };
    const raw = get(f);
    return {
      access: get(a),
      refresh: get(r),
      front: raw === undefined ? undefined : JSON.parse(atob(decodeURIComponent(raw))),
    };
  }, [SDK_ACCESS, SDK_REFRESH, SDK_FRONT]);

  // Tokens never appear in a test's output: comparisons of token values say
  // what went wrong without printing either value.
  const sameToken = (actual, expected, what) => assert.ok(typeof expected === 'string' && expected !== '' && actual === expected, what);
  const otherToken = (actual, than, what) => assert.ok(typeof actual === 'string' && actual !== '' && actual !== than, what);
  const absent = (value, what) => assert.ok(value === undefined, what);
  const bearer = (headers) => headers.authorization;

  /**
   * Fails when the browser holds a cookie of cookie mode (the gateway's
   * session cookies, by their exact names: gw.cookieNames).
   */
  async function noSessionCookies(context, when) {
    const names = (await context.cookies()).map((c) => c.name);
    for (const n of Object.values(gw.cookieNames)) assert.ok(!names.includes(n), `${when}: the browser holds ${n} in header mode`);
  }

  /** Waits until the page's clock has passed t (ms since epoch). */
  const waitUntil = (page, t) => page.waitForFunction((x) => Date.now() > x, t, { polling: 100, timeout: 60000 });

  /** A new browser context with the example in header mode, signed in as user. */
  async function signedIn(user, admin = false) {
    const context = await browser.newContext();
    const page = await openApp(context, gw.origin, HEADER_MODE);
    assert.equal((await state(page)).mode, 'header');
    const res = await page.evaluate(([u, a]) => window.sg.signIn(u, a), [user, admin]);
    assert.equal(res.status, 200, `sign-in answered ${brief(res)}`);
    const s = await stored(page);
    assert.ok(s.access && s.refresh && s.front, 'the SDK holds no tokens after sign-in');
    // The SDK calls the refresh route once on a page's first load when it
    // holds no local session state (a routine 401): count from here on.
    page.refreshCalls = 0;
    return { context, page };
  }

  test('the example runs in cookie mode unless told otherwise; an unknown mode stops it', async () => {
    const context = await browser.newContext();
    const page = await openApp(context, gw.origin);
    assert.equal((await state(page)).mode, 'cookie');
    await context.close();

    const bad = await browser.newContext();
    const apiCalls = [];
    bad.on('request', (r) => { if (/\/(api|auth)\//.test(new URL(r.url()).pathname)) apiCalls.push(r.url()); });
    const badPage = await bad.newPage();
    await badPage.goto(`${gw.origin}/?mode=bearer`);
    await badPage.waitForFunction(() => document.getElementById('result-title').textContent === 'Configuration');
    assert.match(await badPage.textContent('#result-body'), /\?mode= must be "cookie" or "header"/);
    assert.equal(await badPage.evaluate(() => document.body.dataset.ready), undefined);
    assert.deepEqual(apiCalls, []);
    await bad.close();
  });

  test('sign-in asks for header mode; the answer sets no cookie and gives the tokens in headers', async () => {
    const context = await browser.newContext();
    const page = await openApp(context, gw.origin, HEADER_MODE);
    const sent = page.waitForRequest(isApi('/auth/demo/signin', 'POST'));
    const res = await page.evaluate(() => window.sg.signIn('header-alice', false));
    assert.equal(res.status, 200, `sign-in answered ${brief(res)}`);

    const req = await sent;
    const reqHeaders = await req.allHeaders();
    assert.equal(reqHeaders['st-auth-mode'], 'header');
    absent(bearer(reqHeaders), 'sign-in sent a bearer before there was a session');

    const answer = await (await req.response()).allHeaders();
    absent(answer['set-cookie'], 'the header-mode sign-in set cookies');
    for (const h of ['st-access-token', 'st-refresh-token', 'front-token']) {
      assert.ok(answer[h] && answer[h] !== 'remove', `the sign-in answer has no ${h}`);
    }
    otherToken(answer['st-access-token'], answer['st-refresh-token'], 'the access and refresh tokens are the same value');

    // The SDK stored what the headers carried, where page scripts can read it.
    const s = await stored(page);
    sameToken(s.access, answer['st-access-token'], 'the SDK did not keep the st-access-token it was given');
    sameToken(s.refresh, answer['st-refresh-token'], 'the SDK did not keep the st-refresh-token it was given');
    assert.equal(s.front.uid, 'header-alice');
    await noSessionCookies(context, 'after sign-in');

    const st = await state(page);
    assert.equal(st.signedIn, true);
    assert.equal(st.userId, 'header-alice');
    await screenshot(page, 'header-signed-in');
    await context.close();
  });

  test('API calls carry Authorization: Bearer <access token> and reach the backend as the user', async () => {
    const { context, page } = await signedIn('header-bob');
    const { access, refresh } = await stored(page);
    const sent = page.waitForRequest(isApi('/api/me'));
    const res = await whoAmI(page);
    const headers = await (await sent).allHeaders();
    sameToken(bearer(headers), `Bearer ${access}`, 'the API call did not carry Authorization: Bearer <access token>');
    assert.equal(headers['st-auth-mode'], 'header');
    assert.ok(!(bearer(headers) ?? '').includes(refresh), 'the refresh token left for an API call');
    assert.equal(res.status, 200, `answer: ${brief(res)}`);
    assert.equal(res.body.headers['x-user-id'], 'header-bob');
    absent(res.body.headers.authorization, 'the backend received the bearer token');
    assert.equal(page.refreshCalls, 0);
    // An admin POST needs no cookie either (and the SDK's rid rides along).
    const { context: ac, page: ap } = await signedIn('header-root', true);
    assert.equal((await ap.evaluate(() => window.sg.adminCall())).status, 200);
    assert.equal((await page.evaluate(() => window.sg.adminCall())).status, 403);
    await noSessionCookies(context, 'after API calls');
    await ac.close();
    await context.close();
  });

  test('rotation in place: a new st-access-token (and front-token) on an API answer, no refresh', async () => {
    const { context, page } = await signedIn('header-rotating');
    const before = await stored(page);
    // The access token was issued ACCESS_TTL before its expiry ("ate"); the
    // authorizer rotates it once it is ROTATE_AFTER old.
    await waitUntil(page, before.front.ate - ACCESS_TTL_MS + ROTATE_AFTER_MS);
    const answered = page.waitForResponse(isApi('/api/me'));
    const res = await whoAmI(page);
    assert.equal(res.status, 200, `answer: ${brief(res)}`);
    const headers = await (await answered).allHeaders();
    const rotated = headers['st-access-token'];
    assert.ok(rotated, 'the authorizer\'s rotated access token did not reach the browser as st-access-token');
    otherToken(rotated, before.access, 'the rotated access token is the old one');
    assert.ok(headers['front-token'] && headers['front-token'] !== 'remove', 'rotation without a front-token');
    absent(headers['st-refresh-token'], 'rotation in place must not touch the refresh token');
    absent(headers['set-cookie'], 'rotation set a cookie in header mode');

    const after = await stored(page);
    sameToken(after.access, rotated, 'the SDK did not keep the rotated access token');
    sameToken(after.refresh, before.refresh, 'rotation changed the stored refresh token');
    assert.ok(after.front.ate > before.front.ate, 'the front-token\'s expiry did not move');
    assert.equal(page.refreshCalls, 0, 'rotation must not go through the refresh route');
    assert.ok((await state(page)).rotations >= 1, 'the app did not see the rotation');

    // The next call carries the rotated token and is not rotated again.
    const next = page.waitForRequest(isApi('/api/me'));
    const res2 = await whoAmI(page);
    assert.equal(res2.status, 200);
    const req2 = await next;
    sameToken(bearer(await req2.allHeaders()), `Bearer ${rotated}`, 'the next call did not carry the rotated access token');
    absent((await (await req2.response()).allHeaders())['st-access-token'], 'the rotated access token was rotated again');
    await noSessionCookies(context, 'after rotation');
    await context.close();
  });

  test('expiry: 401, refresh with Authorization: Bearer <refresh token>, retry with the new access token', async () => {
    const { context, page } = await signedIn('header-expiring');
    const before = await stored(page);
    const refreshesBefore = (await state(page)).refreshes;
    const meCalls = [];
    const onRequest = (r) => { if (isApi('/api/me')(r)) meCalls.push(r); };
    page.on('request', onRequest);
    try {
      await waitUntil(page, before.front.ate);
      const refreshReq = page.waitForRequest(isApi('/auth/session/refresh', 'POST'));
      const res = await whoAmI(page);
      assert.equal(res.status, 200, `the retried call answered ${brief(res)}`);
      assert.equal(res.body.headers['x-user-id'], 'header-expiring');

      const req = await refreshReq;
      const sent = await req.allHeaders();
      sameToken(bearer(sent), `Bearer ${before.refresh}`, 'the refresh call did not carry the refresh token as the bearer');
      assert.equal(sent['st-auth-mode'], 'header');
      const refreshRes = await req.response();
      assert.equal(refreshRes.status(), 200, `/auth/session/refresh answered ${refreshRes.status()}`);
      const got = await refreshRes.allHeaders();
      absent(got['set-cookie'], 'the header-mode refresh set cookies');
      otherToken(got['st-access-token'], before.access, 'refresh gave no new access token');
      otherToken(got['st-refresh-token'], before.refresh, 'refresh gave no new refresh token');
      assert.ok(got['front-token'] && got['front-token'] !== 'remove', 'refresh gave no front-token');

      // The expired call (401, which must not end the session) and its retry
      // (200), carrying the old and the new access token.
      assert.equal(meCalls.length, 2, `${meCalls.length} calls to /api/me`);
      const [first, retry] = meCalls;
      sameToken(bearer(await first.allHeaders()), `Bearer ${before.access}`, 'the expired call did not carry the stored access token');
      const firstRes = await first.response();
      assert.equal(firstRes.status(), 401);
      assert.notEqual(await firstRes.headerValue('front-token'), 'remove', 'the expiry 401 ended the session');
      sameToken(bearer(await retry.allHeaders()), `Bearer ${got['st-access-token']}`, 'the retry did not carry the refreshed access token');
      const retryRes = await retry.response();
      assert.equal(retryRes.status(), 200);

      // The first use of the refreshed access token may hand back a newer
      // copy of it (st-access-token with a front-token: the server recorded
      // the refresh as used); the SDK keeps whichever came last.
      const retryHeaders = await retryRes.allHeaders();
      if (retryHeaders['st-access-token'] !== undefined) {
        assert.ok(retryHeaders['front-token'] && retryHeaders['front-token'] !== 'remove', 'st-access-token without a front-token');
      }
      const after = await stored(page);
      sameToken(after.access, retryHeaders['st-access-token'] ?? got['st-access-token'], 'the SDK does not hold the last access token it was given');
      sameToken(after.refresh, got['st-refresh-token'], 'the SDK does not hold the refreshed refresh token');
    } finally {
      page.off('request', onRequest);
    }
    assert.equal(page.refreshCalls, 1);
    const st = await state(page);
    assert.equal(st.refreshes, refreshesBefore + 1);
    assert.ok(!st.events.some((e) => e.startsWith('UNAUTHORISED')), `the SDK signed out: ${st.events}`);
    await noSessionCookies(context, 'after refresh');
    await screenshot(page, 'header-refreshed');
    await context.close();
  });

  test('two tabs share the session and refresh it once', async () => {
    const { context, page } = await signedIn('header-two-tabs');
    const page2 = await openApp(context, gw.origin, HEADER_MODE);
    const st2 = await state(page2);
    assert.equal(st2.signedIn, true, 'the second tab does not see the session');
    assert.equal(st2.userId, 'header-two-tabs');
    page.refreshCalls = 0;
    page2.refreshCalls = 0;

    const { front } = await stored(page);
    await waitUntil(page, front.ate);
    const [a, b] = await Promise.all([whoAmI(page), whoAmI(page2)]);
    assert.equal(a.status, 200, `tab 1 answered ${a.status}`);
    assert.equal(b.status, 200, `tab 2 answered ${b.status}`);
    assert.equal(page.refreshCalls + page2.refreshCalls, 1,
      `refresh called ${page.refreshCalls} + ${page2.refreshCalls} times: the tabs must share one refresh`);
    // Both tabs hold the same, new tokens.
    const [s1, s2] = [await stored(page), await stored(page2)];
    sameToken(s1.access, s2.access, 'the tabs hold different access tokens');
    sameToken(s1.refresh, s2.refresh, 'the tabs hold different refresh tokens');
    assert.ok(s1.front.ate > front.ate);
    for (const p of [page, page2]) {
      const st = await state(p);
      assert.equal(st.signedIn, true);
      assert.ok(!st.events.some((e) => e.startsWith('UNAUTHORISED')), `a tab was signed out: ${st.events}`);
    }
    await context.close();
  });

  test('sign-out sends the access bearer; front-token: remove clears the SDK\'s tokens', async () => {
    const { context, page } = await signedIn('header-leaving');
    const before = await stored(page);
    const sent = page.waitForRequest(isApi('/auth/signout', 'POST'));
    await page.evaluate(() => window.sg.signOut());
    const req = await sent;
    const headers = await req.allHeaders();
    sameToken(bearer(headers), `Bearer ${before.access}`, 'sign-out did not carry Authorization: Bearer <access token>');
    assert.equal(headers['st-auth-mode'], 'header');
    const res = await req.response();
    assert.equal(res.status(), 200);
    assert.equal(await res.headerValue('front-token'), 'remove');

    const names = (await context.cookies()).map((c) => c.name);
    for (const n of [SDK_ACCESS, SDK_REFRESH, SDK_FRONT]) {
      assert.ok(!names.includes(n), `the SDK still holds ${n} after sign-out`);
    }
    const left = await stored(page);
    for (const k of ['access', 'refresh', 'front']) absent(left[k], `page scripts still see the ${k} token after sign-out`);
    assert.equal(await page.evaluate(() => window.supertokensSession.doesSessionExist()), false);

    const meReq = page.waitForRequest(isApi('/api/me'));
    const me = await whoAmI(page);
    assert.equal(me.status, 401);
    absent(bearer(await (await meReq).allHeaders()), 'a bearer was sent after sign-out');
    assert.equal((await state(page)).signedIn, false);

    // The old access token, replayed outside the SDK, is dead on the server.
    const replay = await page.evaluate(async (token) => {
      const r = await fetch('/api/me?superTokensDoNotDoInterception', { headers: { authorization: `Bearer ${token}` } });
      return r.status;
    }, before.access);
    assert.equal(replay, 401, 'the signed-out access token still works');
    await noSessionCookies(context, 'after sign-out');
    await screenshot(page, 'header-signed-out');
    await context.close();
  });
});
