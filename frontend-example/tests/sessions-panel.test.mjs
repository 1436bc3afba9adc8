// The "Active sessions" panel in a real browser: the unmodified
// supertokens-web-js SDK in Debian's Chromium against the local gateway
// (the session API's GET /auth/sessions, DELETE /auth/sessions/{id} and
// POST /auth/sessions/revoke-others) and a real redis-server.
//
// Each browser context is one device: its own cookies (or, in header mode,
// its own stored tokens), so each signs in to its own session. The tests
// wait on what the page shows (the list's rows, the panel's note) and on
// the answers the browser sees, never for a fixed time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { brief, missingTools, openApp, screenshot, startStack, state, whoAmI } from './harness.mjs';

const skip = missingTools();

/** The panel as the page shows it: one entry per row of #sessions-list. */
const rows = (page) => page.evaluate(() => [...document.querySelectorAll('#sessions-list li')].map((li) => ({
  id: li.dataset.sessionId,
  current: li.dataset.current === 'true',
  agent: li.querySelector('.agent')?.textContent ?? '',
  thisDevice: li.querySelector('.this-device')?.textContent ?? null,
  times: li.querySelector('.times')?.textContent ?? '',
  end: li.querySelector('button.end') !== null,
})));

const note = (page) => page.evaluate(() => {
  const el = document.getElementById('sessions-note');
  return { text: el.textContent, kind: el.dataset.kind };
});

/** The one row marked current; fails unless there is exactly one. */
function currentRow(list) {
  const cur = list.filter((r) => r.current);
  assert.equal(cur.length, 1, `${cur.length} rows are marked current: ${JSON.stringify(list)}`);
  return cur[0];
}

function sessionsTests(mode) {
  const path = mode === 'header' ? '/?mode=header' : '/';
  // Header mode runs under a user-id prefix of its own, so that the two
  // modes' sessions never meet in one list.
  const user = (name) => `${mode}-${name}`;
  let stack, gw, browser;
  const contexts = [];

  before(async () => {
    stack = await startStack();
    ({ gw, browser } = stack);
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await stack?.stop();
  });


  /** A new device (browser context) with the example open, signed in as userId. */
  async function device(userId, options = {}) {
    const context = await browser.newContext(options);
    contexts.push(context);
    const page = await openApp(context, gw.origin, path);
    assert.equal((await state(page)).mode, mode);
    const res = await page.evaluate((u) => window.sg.signIn(u, false), userId);
    assert.equal(res.status, 200, `sign-in answered ${brief(res)}`);
    // sg.signIn returns once the panel has loaded the list after sign-in.
    const list = await rows(page);
    assert.ok(list.length >= 1, `the panel shows no session after sign-in: ${JSON.stringify(await note(page))}`);
    return { context, page, id: currentRow(list).id };
  }

  /** Clicks Reload and waits until the page has shown the new list. */
  async function reload(page) {
    const loads = await page.evaluate(() => window.sgState.sessionsLoads);
    const answered = page.waitForResponse(gw.isCall('/auth/sessions'));
    await page.click('#sessions-reload');
    const res = await answered;
    assert.equal(res.status(), 200, `GET /auth/sessions answered ${res.status()}`);
    await page.waitForFunction((n) => window.sgState.sessionsLoads > n, loads);
    return rows(page);
  }

  /** Waits until the page's list has exactly ids (in any order). */
  const listIs = (page, ids) => page.waitForFunction((want) => {
    const got = [...document.querySelectorAll('#sessions-list li')].map((li) => li.dataset.sessionId).sort();
    return got.length === want.length && got.every((id, i) => id === want[i]);
  }, [...ids].sort());

  /**
   * Asserts that a device whose session was ended elsewhere finds out at its
   * next API call: 401, the SDK's refresh answered 401 too, and the SDK ends
   * up signed out, the panel empty.
   */
  async function endedElsewhere(page, what) {
    const refreshed = page.waitForResponse(gw.isCall('/auth/session/refresh', 'POST'));
    const res = await whoAmI(page);
    assert.equal(res.status, 401, `${what}: the next call answered ${brief(res)}`);
    assert.equal((await refreshed).status(), 401, `${what}: the SDK's refresh was not refused`);
    assert.equal(await page.evaluate(() => window.supertokensSession.doesSessionExist()), false, `${what}: the SDK still has a session`);
    const st = await state(page);
    assert.equal(st.signedIn, false, `${what}: the page still shows a signed-in user`);
    assert.ok(st.events.some((e) => e.startsWith('UNAUTHORISED')), `${what}: SDK events ${st.events}`);
    await page.waitForFunction(() => document.querySelectorAll('#sessions-list li').length === 0);
    assert.match((await note(page)).text, /this session has ended/, `${what}: the panel does not say why it is signed out`);
  }

  test('two devices: the panel lists both, marks this device, and ending the other signs it out', async () => {
    const d1 = await device(user('alice'));
    const d2 = await device(user('alice'));
    assert.notEqual(d1.id, d2.id, 'two sign-ins share one session id');

    const list = await reload(d1.page);
    assert.deepEqual(list.map((r) => r.id).sort(), [d1.id, d2.id].sort());
    const [cur, other] = [currentRow(list), list.find((r) => !r.current)];
    assert.equal(cur.id, d1.id, 'the current row is not this device\'s session');
    assert.equal(list[0].id, d1.id, 'this device is not listed first');
    assert.equal(cur.thisDevice, 'this device');
    assert.equal(cur.end, false, 'the current session has an End button');
    assert.equal(other.thisDevice, null);
    assert.equal(other.end, true, 'the other session has no End button');
    for (const r of list) {
      assert.match(r.agent, /Chrome/, `the agent summary of a Chromium sign-in: ${JSON.stringify(r.agent)}`);
      assert.match(r.times, /^Signed in .+ · last active .+$/);
      assert.doesNotMatch(r.times, /unknown/, 'a time is missing from the API answer');
    }
    assert.equal((await note(d1.page)).text, '2 active sessions.');
    assert.equal(await d1.page.isEnabled('#sessions-revoke-others'), true);
    await screenshot(d1.page, `sessions-${mode}-two-devices`);

    // End the other device's session from the panel. The DELETE goes
    // through the SDK: rid (the anti-CSRF rule) and the session ride along.
    const sent = d1.page.waitForRequest(gw.isCall(`/auth/sessions/${d2.id}`, 'DELETE'));
    await d1.page.click(`#sessions-list li[data-session-id="${d2.id}"] button.end`);
    const req = await sent;
    const headers = await req.allHeaders();
    assert.equal(headers.rid, 'anti-csrf', 'the SDK did not add rid to the DELETE');
    assert.equal(headers['st-auth-mode'], mode);
    const answer = await req.response();
    assert.equal(answer.status(), 200);
    assert.deepEqual(await answer.json(), { status: 'OK' });
    await listIs(d1.page, [d1.id]);
    assert.deepEqual(await note(d1.page), { text: 'Session ended: that device is signed out at its next call.', kind: 'ok' });
    assert.equal(await d1.page.isEnabled('#sessions-revoke-others'), false, 'nothing is left to end, yet the button is on');

    await endedElsewhere(d2.page, 'the ended device');
    // This device carries on.
    const me = await whoAmI(d1.page);
    assert.equal(me.status, 200, `this device answered ${brief(me)}`);
    assert.equal(me.body.headers['x-user-id'], user('alice'));
    assert.equal((await state(d1.page)).signedIn, true);

    // Ending this device's own session is a sign-out.
    const own = await d1.page.evaluate((id) => window.sg.endSession(id), d1.id);
    assert.equal(own.status, 200, `DELETE of the own session answered ${brief(own)}`);
    assert.equal(await d1.page.evaluate(() => window.supertokensSession.doesSessionExist()), false);
    assert.equal((await state(d1.page)).signedIn, false);
    await d1.page.waitForFunction(() => document.querySelectorAll('#sessions-list li').length === 0);
    if (mode === 'cookie') assert.equal((await gw.sessionCookies(d1.context)).access, undefined, 'the access cookie was not cleared');
    assert.equal((await whoAmI(d1.page)).status, 401);
  });

  test('"End all other sessions" with three devices leaves only the current one', async () => {
    const d = [await device(user('carol')), await device(user('carol')), await device(user('carol'))];
    const [me, ...others] = d;
    assert.equal((await reload(me.page)).length, 3);

    const sent = me.page.waitForRequest(gw.isCall('/auth/sessions/revoke-others', 'POST'));
    await me.page.click('#sessions-revoke-others');
    const req = await sent;
    assert.equal((await req.allHeaders()).rid, 'anti-csrf', 'the SDK did not add rid to the POST');
    const answer = await req.response();
    assert.equal(answer.status(), 200);
    assert.deepEqual(await answer.json(), { status: 'OK', revoked: 2 });
    await listIs(me.page, [me.id]);
    assert.equal(currentRow(await rows(me.page)).id, me.id);
    assert.deepEqual(await note(me.page), { text: 'Ended 2 other sessions.', kind: 'ok' });
    await screenshot(me.page, `sessions-${mode}-others-ended`);

    for (const [i, o] of others.entries()) await endedElsewhere(o.page, `device ${i + 2}`);
    assert.equal((await whoAmI(me.page)).status, 200);
    // A reload shows the same: one session, this one.
    assert.deepEqual((await reload(me.page)).map((r) => [r.id, r.current]), [[me.id, true]]);
  });

  test('another user\'s sessions are never listed, and a DELETE of one answers 404 and ends nothing', async () => {
    const a = await device(user('dave'));
    const a2 = await device(user('dave'));
    const answered = (page) => page.waitForResponse(gw.isCall('/auth/sessions'));

    // B signs in after A: B's list, as the API sends it and as the page
    // shows it, holds B's session alone.
    const context = await browser.newContext();
    contexts.push(context);
    const bPage = await openApp(context, gw.origin, path);
    const bList = answered(bPage);
    assert.equal((await bPage.evaluate((u) => window.sg.signIn(u, false), user('erin'))).status, 200);
    const body = await (await bList).json();
    assert.equal(body.sessions.length, 1, `B's list: ${body.sessions.length} sessions`);
    const bId = body.sessions[0].id;
    assert.equal(body.sessions[0].current, true);
    for (const id of [a.id, a2.id]) {
      assert.notEqual(bId, id);
      assert.ok(!JSON.stringify(body).includes(id), 'A\'s session id is in B\'s answer');
    }
    assert.deepEqual((await reload(bPage)).map((r) => r.id), [bId]);

    // B deletes A's session by its id, through the SDK like the panel does:
    // the same 404 as for an id that never existed.
    const del = (id) => bPage.evaluate(async (sid) => {
      const r = await fetch(window.sg.api(`/auth/sessions/${sid}`), { method: 'DELETE' });
      return { status: r.status, body: await r.json() };
    }, id);
    const theirs = await del(a.id);
    assert.equal(theirs.status, 404, `B's DELETE of A's session answered ${brief(theirs)}`);
    assert.deepEqual(theirs.body, { message: 'no such session' });
    const none = await del(randomBytes(16).toString('hex'));
    assert.deepEqual(none, theirs, 'another user\'s session and no session must get the same answer');

    // A is still signed in, with both sessions; B too.
    const me = await whoAmI(a.page);
    assert.equal(me.status, 200, `A answered ${brief(me)}`);
    assert.equal((await state(a.page)).signedIn, true);
    assert.deepEqual((await reload(a.page)).map((r) => r.id).sort(), [a.id, a2.id].sort());
    assert.equal((await whoAmI(a2.page)).status, 200);
    assert.equal((await whoAmI(bPage)).status, 200);
    assert.equal((await state(bPage)).signedIn, true);
  });

  test('the agent summary is shown as text, whatever the user agent says', async () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) <img src=x onerror="window.pwned=1"> Firefox/128.0';
    const d = await device(user('frank'), { userAgent: ua });
    const res = await d.page.evaluate(async () => (await fetch(window.sg.api('/auth/sessions'))).json());
    const agent = res.sessions.find((x) => x.current).agent;
    assert.ok(/^[\x20-\x7e]{0,64}$/.test(agent), `the API's agent summary: ${JSON.stringify(agent)}`);
    assert.equal(currentRow(await rows(d.page)).agent, agent === '' ? 'Unknown device' : agent);
    assert.equal(await d.page.evaluate(() => document.querySelectorAll('#sessions-list *:not(li, div, span, button)').length), 0);
    assert.equal(await d.page.evaluate(() => window.pwned), undefined);
  });
}

describe('active sessions panel (cookie mode)', { skip: skip ?? false }, () => sessionsTests('cookie'));
describe('active sessions panel (header mode)', { skip: skip ?? false }, () => sessionsTests('header'));

describe('active sessions panel: ending sessions needs a recent sign-in', { skip: skip ?? false }, () => {
  const WINDOW_MS = 1000;
  let stack, gw, browser;

  before(async () => {
    stack = await startStack({ SESSION_REAUTH_WINDOW: `${WINDOW_MS}ms` });
    ({ gw, browser } = stack);
  });

  after(() => stack?.stop());

  async function device() {
    const context = await browser.newContext();
    const page = await openApp(context, gw.origin);
    const res = await page.evaluate(() => window.sg.signIn('reauth-grace', false));
    assert.equal(res.status, 200, `sign-in answered ${brief(res)}`);
    return { context, page };
  }

  /**
   * Waits until the page has shown the 403 of the call titled title (the
   * result box) and the panel's reauthentication note, which must say to
   * sign in again.
   */
  async function shows403(page, title) {
    await page.waitForFunction((t) => document.getElementById('result-title').textContent === t
      && document.getElementById('result-status').textContent === '403'
      && document.getElementById('sessions-note').dataset.kind === 'reauth', title);
    const shown = await note(page);
    assert.equal(shown.kind, 'reauth', `the panel's note after the 403 of ${title}: ${JSON.stringify(shown)}`);
    assert.match(shown.text, /sign in again/);
  }

  test('past SESSION_REAUTH_WINDOW, End and "End all other sessions" answer 403 and the panel says to sign in again', async () => {
    const d1 = await device();
    const d2 = await device();
    const reloaded = d1.page.waitForResponse(gw.isCall('/auth/sessions'));
    await d1.page.click('#sessions-reload');
    const { sessions } = await (await reloaded).json();
    assert.equal(sessions.length, 2);
    const mine = sessions.find((x) => x.current);
    const theirs = sessions.find((x) => !x.current);
    await d1.page.waitForFunction((id) => document.querySelector(`#sessions-list li[data-session-id="${id}"] button.end`) !== null, theirs.id);

    // The calling session was signed in more than the window ago once the
    // clock (the same for the browser and the gateway) has passed it.
    await d1.page.waitForFunction((t) => Date.now() > t, mine.createdAt + WINDOW_MS + 1, { polling: 50 });

    const ended = d1.page.waitForResponse((r) => r.request().method() === 'DELETE');
    await d1.page.click(`#sessions-list li[data-session-id="${theirs.id}"] button.end`);
    const del = await ended;
    assert.equal(del.status(), 403);
    assert.deepEqual(await del.json(), { message: 'reauthentication required' });
    await shows403(d1.page, 'End a session');
    await screenshot(d1.page, 'sessions-reauth');

    const revoked = d1.page.waitForResponse(gw.isCall('/auth/sessions/revoke-others', 'POST'));
    await d1.page.click('#sessions-revoke-others');
    assert.equal((await revoked).status(), 403);
    await shows403(d1.page, 'End all other sessions');

    // Nothing was ended, and a 403 signs nobody out.
    for (const [p, who] of [[d1.page, 'the caller'], [d2.page, 'the other device']]) {
      const res = await whoAmI(p);
      assert.equal(res.status, 200, `${who} answered ${brief(res)}`);
      assert.equal((await state(p)).signedIn, true, `${who} was signed out`);
    }
    assert.equal((await rows(d1.page)).length, 2);
    await d1.context.close();
    await d2.context.close();
  });
});
