// sessiongate browser example.
//
// The SuperTokens SDK (vendor/*.js, loaded by index.html as classic scripts)
// patches window.fetch for calls to this origin: it adds the `rid` anti-CSRF
// header, sends cookies, keeps the `front-token` the API returns, and on a 401
// calls POST <apiPrefix>/auth/session/refresh once (across tabs) and retries
// the call. This file only wires buttons to plain fetch calls and shows what
// happened.
//
// The API may live under a prefix, as on an API Gateway execute-api URL where
// every path starts with the stage (/prod/api/me, /prod/auth/session/refresh).
// example-config.json, served beside this page, names it: {"apiPrefix":"/prod"}.
// When there is no such file (404) the API is at the root of this origin.
//
// The SDK carries the session in HttpOnly cookies by default. Open the page
// as /?mode=header to run it in header mode instead (tokenTransferMethod
// "header", what a mobile app or a browser that cannot use cookies does):
// the tokens arrive in the st-access-token / st-refresh-token response
// headers, the SDK keeps them in cookies that page scripts CAN read, and
// sends them back as Authorization: Bearer — the access token on API calls,
// the refresh token on the refresh call only.
//
// The "Active sessions" panel lists the signed-in user's sessions (GET
// <apiPrefix>/auth/sessions) and ends them: DELETE
// <apiPrefix>/auth/sessions/{id} one, POST
// <apiPrefix>/auth/sessions/revoke-others all but this one. These are plain
// fetch calls too, so the SDK adds rid (the anti-CSRF rule the DELETE and
// POST need), carries the session the same way in both modes, and refreshes
// on a 401. Ending sessions needs a recent sign-in: a session older than the
// server's SESSION_REAUTH_WINDOW gets 403 {"message":"reauthentication
// required"}, and the panel asks the user to sign in again. The list is
// loaded after sign-in, when the page opens signed in, after ending
// sessions and from its Reload button; never on a timer.
//
// Everything the API returns is put on the page with textContent only.
//
// window.sgState exposes the counters below so tests can read them.

const SuperTokens = window.supertokens;
const Session = window.supertokensSession;

const state = {
  ready: false, // init done and the first session check finished
  signedIn: false,
  userId: null,
  accessExpiry: null, // ms since epoch, from the access-token payload's "exp"
  refreshes: 0, // SDK event REFRESH_SESSION (a successful refresh)
  refreshCalls: 0, // refresh requests the SDK started in this tab
  rotations: 0, // front-token changed on an API response, without a refresh
  lastStatus: null, // HTTP status of the last call made from the buttons
  lastBody: null,
  events: [], // SDK events, oldest first
  apiPrefix: null, // from example-config.json: "" (API at the root) or like "/prod"
  mode: null, // "cookie" (the default) or "header" (/?mode=header)
  sessions: null, // the last list from GET /auth/sessions, or null (signed out, not loaded)
  sessionsLoads: 0, // finished loads of that list, whatever their outcome
};
window.sgState = state;

const $ = (id) => document.getElementById(id);

if (!SuperTokens || !Session) {
  showResult('SDK not loaded', 'error', 'vendor/*.js did not load: run "npm run vendor" in frontend-example/', 'bad');
  throw new Error('supertokens-web-js bundles are missing');
}

// ---- configuration ---------------------------------------------------------

// loadConfig reads example-config.json before the SDK starts (so this fetch
// is not intercepted). 404 means "no prefix"; anything else that is not a
// valid config stops the app with a visible error rather than calling a
// guessed path.
async function loadConfig() {
  const res = await fetch('example-config.json', { cache: 'no-store' });
  if (res.status === 404) return { apiPrefix: '' };
  if (!res.ok) throw new Error(`example-config.json answered ${res.status}`);
  let cfg;
  try {
    cfg = await res.json();
  } catch {
    throw new Error('example-config.json is not JSON');
  }
  const prefix = cfg && typeof cfg === 'object' ? cfg.apiPrefix ?? '' : undefined;
  // "" or one or more path segments, no trailing slash: "/prod", "/v1/api".
  if (typeof prefix !== 'string' || !/^(\/[A-Za-z0-9._~-]+)*$/.test(prefix)) {
    throw new Error(`example-config.json: apiPrefix must be "" or a path like "/prod", not ${JSON.stringify(prefix)}`);
  }
  return { apiPrefix: prefix };
}

// transferMethod reads ?mode= from the page's URL: absent or "cookie" is
// cookie mode, "header" header mode; any other value stops the app rather
// than run in a mode nobody asked for.
function transferMethod() {
  const mode = new URLSearchParams(window.location.search).get('mode');
  if (mode === null || mode === '' || mode === 'cookie') return 'cookie';
  if (mode === 'header') return 'header';
  throw new Error(`?mode= must be "cookie" or "header", not ${JSON.stringify(mode)}`);
}

let config;
try {
  config = { ...(await loadConfig()), mode: transferMethod() };
} catch (err) {
  showResult('Configuration', 'error', String(err && err.message ? err.message : err), 'bad');
  throw err;
}
state.apiPrefix = config.apiPrefix;
state.mode = config.mode;

/** The URL path of an API route: api('/api/me') is '/prod/api/me' under stage prod. */
const api = (path) => config.apiPrefix + path;

for (const el of document.querySelectorAll('.api-prefix')) el.textContent = config.apiPrefix;
$('mode').textContent = config.mode === 'header' ? 'header mode (bearer tokens)' : 'cookie mode';

// A front-token that arrives while a refresh is in flight belongs to the
// refresh; any other payload update means the authorizer rotated the access
// token in place (Set-Cookie, or st-access-token in header mode, with a
// front-token on an ordinary API response).
let refreshInFlight = 0;
let signInInFlight = 0;
let callsInFlight = 0;

SuperTokens.init({
  // The SDK's own routes (refresh, sign-out) are apiDomain + apiBasePath + …,
  // so under a stage they are /prod/auth/session/refresh and /prod/auth/signout.
  appInfo: { appName: 'sessiongate example', apiDomain: window.location.origin, apiBasePath: api('/auth') },
  recipeList: [
    Session.init({
      tokenTransferMethod: config.mode,
      preAPIHook: async (ctx) => {
        if (ctx.action === 'REFRESH_SESSION') {
          state.refreshCalls++;
          refreshInFlight++;
        }
        return ctx;
      },
      onHandleEvent: (event) => {
        switch (event.action) {
          case 'REFRESH_SESSION':
            state.refreshes++;
            refreshInFlight = Math.max(0, refreshInFlight - 1);
            break;
          case 'ACCESS_TOKEN_PAYLOAD_UPDATED':
            if (refreshInFlight === 0 && signInInFlight === 0) state.rotations++;
            break;
          case 'UNAUTHORISED':
          case 'SIGN_OUT':
            refreshInFlight = 0;
            clearSessions(event.action === 'UNAUTHORISED' && event.sessionExpiredOrRevoked
              ? 'Signed out: this session has ended (expired, or ended from another device).'
              : 'Signed out: sign in to see your sessions.');
            break;
        }
        const detail = event.action === 'API_INVALID_CLAIM'
          ? ' ' + event.claimValidationErrors.map((e) => e.id).join(',')
          : event.action === 'UNAUTHORISED' ? ` (expired or revoked: ${event.sessionExpiredOrRevoked})` : '';
        logEvent(event.action + detail);
        updateSession();
      },
    }),
  ],
});

// ---- calls -----------------------------------------------------------------

async function call(title, method, path, body) {
  callsInFlight++;
  setBusy(true);
  try {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let data = text;
    try { data = JSON.parse(text); } catch { /* not JSON: show as text */ }
    state.lastStatus = res.status;
    state.lastBody = data;
    showResult(title, res.status, data, res.ok ? 'ok' : res.status >= 500 ? 'bad' : 'warn');
    return { status: res.status, body: data };
  } catch (err) {
    // The SDK throws when a refresh fails with something other than 401
    // (for example 503 while the session store is down).
    const status = err instanceof Response ? err.status : 'error';
    state.lastStatus = status;
    state.lastBody = String(err && err.message ? err.message : err);
    showResult(title, status, state.lastBody, 'bad');
    return { status, body: state.lastBody };
  } finally {
    callsInFlight--;
    if (callsInFlight === 0) refreshInFlight = 0;
    setBusy(false);
    await updateSession();
  }
}

async function signIn(userId, admin) {
  signInInFlight++;
  let res;
  try {
    res = await call(`Sign in as ${userId}`, 'POST', api('/auth/demo/signin'), { userId, roles: admin ? ['admin'] : [] });
  } finally {
    signInInFlight--;
  }
  if (res.status === 200) await loadSessions();
  return res;
}

const whoAmI = () => call(`Who am I · GET ${api('/api/me')}`, 'GET', api('/api/me'));
const adminCall = () => call(`Admin call · POST ${api('/api/admin')}`, 'POST', api('/api/admin'), { action: 'demo' });

async function signOut() {
  setBusy(true);
  try {
    await Session.signOut();
    state.lastStatus = 200;
    state.lastBody = { status: 'OK' };
    showResult('Sign out', 200, config.mode === 'header'
      ? 'Signed out: the session is revoked on the server and the SDK dropped its tokens.'
      : 'Signed out: the session is revoked on the server and its cookies are cleared.', 'ok');
  } catch (err) {
    state.lastStatus = 'error';
    state.lastBody = String(err && err.message ? err.message : err);
    showResult('Sign out', 'error', state.lastBody, 'bad');
  } finally {
    setBusy(false);
    await updateSession();
  }
}

window.sg = { signIn, whoAmI, adminCall, signOut, api, loadSessions, endSession, endOtherSessions };

// ---- active sessions -------------------------------------------------------

const REAUTH_NOTE = 'Ending sessions needs a recent sign-in: sign in again, then retry.';

let sessionsSeq = 0; // the newest load wins when loads overlap

/** The body's message when it is {"message": "..."}, else "". */
const messageOf = (body) => (body && typeof body === 'object' && typeof body.message === 'string' ? body.message : '');
const isReauth = (res) => res.status === 403 && messageOf(res.body) === 'reauthentication required';

// loadSessions asks GET /auth/sessions for the caller's sessions and shows
// them. It does not touch the result box: it runs after the buttons'
// calls, whose answer stays on screen. With keepNote the panel's note keeps
// saying what the action before it did, unless the list fails to load.
async function loadSessions({ keepNote = false } = {}) {
  const seq = ++sessionsSeq;
  let res;
  try {
    const r = await fetch(api('/auth/sessions'), { method: 'GET' });
    const text = await r.text();
    let body = text;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    res = { status: r.status, body };
  } catch (err) {
    res = { status: err instanceof Response ? err.status : 'error', body: String(err && err.message ? err.message : err) };
  }
  if (seq === sessionsSeq) {
    const list = res.status === 200 ? parseSessions(res.body) : null;
    if (list) {
      state.sessions = list;
      if (!keepNote) setSessionsNote(list.length === 1 ? 'This is your only session.' : `${list.length} active sessions.`, 'idle');
    } else {
      state.sessions = null;
      if (res.status === 401) setSessionsNote('Signed out: sign in to see your sessions.', 'idle');
      else if (res.status === 200) setSessionsNote('The session list came back in a form this page does not know.', 'bad');
      else setSessionsNote(`Could not load the sessions: ${res.status}${messageOf(res.body) ? ` ${messageOf(res.body)}` : ''}.`, 'bad');
    }
    renderSessions();
    state.sessionsLoads++;
  }
  return res;
}

// parseSessions checks the shape of a GET /auth/sessions answer and
// returns its sessions, current first; null when it is not that shape.
function parseSessions(body) {
  if (!body || typeof body !== 'object' || !Array.isArray(body.sessions)) return null;
  const out = [];
  for (const x of body.sessions) {
    if (!x || typeof x !== 'object' || typeof x.id !== 'string' || x.id === '') return null;
    const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    out.push({
      id: x.id,
      createdAt: num(x.createdAt),
      lastActiveAt: num(x.lastActiveAt),
      expiresAt: num(x.expiresAt),
      agent: typeof x.agent === 'string' ? x.agent : '',
      current: x.current === true,
    });
  }
  return out.sort((a, b) => Number(b.current) - Number(a.current));
}

async function endSession(id) {
  const current = (state.sessions ?? []).some((x) => x.id === id && x.current);
  const res = await call('End a session', 'DELETE', api(`/auth/sessions/${encodeURIComponent(id)}`));
  if (res.status === 200) {
    // Ending this device's own session is a sign-out: the answer cleared it.
    if (current || !state.signedIn) clearSessions('This session ended: you are signed out.');
    else setSessionsNote('Session ended: that device is signed out at its next call.', 'ok');
  } else if (isReauth(res)) setSessionsNote(REAUTH_NOTE, 'reauth');
  else if (res.status === 404) setSessionsNote('That session had already ended.', 'warn');
  else if (res.status !== 401) setSessionsNote(`Could not end the session: ${res.status}${messageOf(res.body) ? ` ${messageOf(res.body)}` : ''}.`, 'bad');
  await afterEnding();
  return res;
}

async function endOtherSessions() {
  const res = await call('End all other sessions', 'POST', api('/auth/sessions/revoke-others'));
  if (res.status === 200) {
    const n = res.body && typeof res.body.revoked === 'number' ? res.body.revoked : null;
    setSessionsNote(n === null ? 'Other sessions ended.' : `Ended ${n} other session${n === 1 ? '' : 's'}.`, 'ok');
  } else if (isReauth(res)) setSessionsNote(REAUTH_NOTE, 'reauth');
  else if (res.status !== 401) setSessionsNote(`Could not end the other sessions: ${res.status}${messageOf(res.body) ? ` ${messageOf(res.body)}` : ''}.`, 'bad');
  await afterEnding();
  return res;
}

// afterEnding reloads the list while signed in, keeping the note that says
// what the action did.
async function afterEnding() {
  if (state.signedIn) await loadSessions({ keepNote: true });
}

function clearSessions(note) {
  sessionsSeq++; // a load still in flight must not bring the list back
  state.sessions = null;
  setSessionsNote(note, 'idle');
  renderSessions();
}

function setSessionsNote(text, kind) {
  const el = $('sessions-note');
  el.textContent = text;
  el.dataset.kind = kind;
}

const when = (ms) => (ms === null ? 'unknown' : new Date(ms).toLocaleString());

function renderSessions() {
  const list = $('sessions-list');
  const rows = (state.sessions ?? []).map((x) => {
    const li = document.createElement('li');
    li.className = 'session';
    li.dataset.sessionId = x.id;
    li.dataset.current = String(x.current);

    const info = document.createElement('div');
    const agent = document.createElement('span');
    agent.className = 'agent';
    agent.textContent = x.agent || 'Unknown device';
    info.append(agent);
    if (x.current) {
      const mark = document.createElement('span');
      mark.className = 'this-device';
      mark.textContent = 'this device';
      info.append(mark);
    }
    const times = document.createElement('span');
    times.className = 'times';
    times.textContent = `Signed in ${when(x.createdAt)} · last active ${when(x.lastActiveAt)}`;
    const id = document.createElement('span');
    id.className = 'id';
    id.textContent = x.id;
    info.append(times, id);
    li.append(info);

    if (!x.current) {
      const end = document.createElement('button');
      end.type = 'button';
      end.className = 'secondary end';
      end.textContent = 'End';
      end.setAttribute('aria-label', `End the session of ${x.agent || 'an unknown device'} signed in ${when(x.createdAt)}`);
      end.addEventListener('click', () => endSession(x.id));
      li.append(end);
    }
    return li;
  });
  list.replaceChildren(...rows);
  sessionButtons();
}

// sessionButtons enables the panel's buttons when no call is running and
// they have something to do.
function sessionButtons() {
  const busy = busyCount > 0;
  for (const b of $('sessions-list').querySelectorAll('button')) b.disabled = busy;
  $('sessions-revoke-others').disabled = busy || !(state.sessions ?? []).some((x) => !x.current);
  $('sessions-reload').disabled = busy || !state.signedIn;
}

// ---- session panel ---------------------------------------------------------

let updating = null;

// updateSession asks the SDK what it knows. It runs after calls and SDK
// events only, never on a timer: doesSessionExist() refreshes by itself when
// the access token has expired, and the countdown must not cause refreshes.
function updateSession() {
  if (!updating) {
    updating = (async () => {
      try {
        state.signedIn = await Session.doesSessionExist();
        if (state.signedIn) {
          state.userId = await Session.getUserId();
          const payload = await Session.getAccessTokenPayloadSecurely();
          state.accessExpiry = typeof payload.exp === 'number' ? payload.exp * 1000 : null;
        } else {
          state.userId = null;
          state.accessExpiry = null;
          if (state.sessions !== null) clearSessions('Signed out: sign in to see your sessions.');
        }
      } catch (err) {
        logEvent('session check failed: ' + (err && err.message ? err.message : err));
      } finally {
        updating = null;
        render();
      }
    })();
  }
  return updating;
}

function render() {
  $('panel-user').textContent = state.signedIn ? state.userId : 'signed out';
  $('panel-refreshes').textContent = String(state.refreshes);
  $('panel-rotations').textContent = String(state.rotations);
  $('panel-status').textContent = state.lastStatus === null ? '—' : String(state.lastStatus);
  renderExpiry();
}

function renderExpiry() {
  const el = $('panel-expiry');
  if (!state.signedIn || state.accessExpiry === null) {
    el.textContent = '—';
    el.className = '';
    return;
  }
  const left = Math.ceil((state.accessExpiry - Date.now()) / 1000);
  el.textContent = left > 0 ? `expires in ${left} s` : 'expired: the next call refreshes';
  el.className = left > 0 ? '' : 'expired';
}

setInterval(renderExpiry, 250);

function showResult(title, status, body, kind) {
  $('result-title').textContent = title;
  $('result-status').textContent = String(status);
  $('result').dataset.kind = kind;
  $('result-body').textContent = typeof body === 'string' ? body : JSON.stringify(redact(body), null, 2);
}

// The echo backend returns every header it received, the Cookie header
// included; never put session cookies or bearer tokens on the screen.
function redact(body) {
  if (body && typeof body === 'object' && body.headers && typeof body.headers === 'object') {
    const headers = { ...body.headers };
    for (const name of ['cookie', 'authorization']) if (name in headers) headers[name] = '(redacted)';
    return { ...body, headers };
  }
  return body;
}

function logEvent(text) {
  state.events.push(text);
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $('events').prepend(li);
}

let busyCount = 0;
function setBusy(busy) {
  busyCount += busy ? 1 : -1;
  for (const id of ['signin', 'whoami', 'admincall', 'signout']) $(id).disabled = busyCount > 0;
  sessionButtons();
}

// ---- wiring ----------------------------------------------------------------

$('signin-form').addEventListener('submit', (e) => {
  e.preventDefault();
  signIn($('userId').value.trim(), $('admin').checked);
});
$('whoami').addEventListener('click', () => whoAmI());
$('admincall').addEventListener('click', () => adminCall());
$('signout').addEventListener('click', () => signOut());
$('sessions-reload').addEventListener('click', () => loadSessions());
$('sessions-revoke-others').addEventListener('click', () => endOtherSessions());

renderSessions();
updateSession().then(async () => {
  if (state.signedIn) await loadSessions();
  state.ready = true;
  document.body.dataset.ready = 'true';
});
