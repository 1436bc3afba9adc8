-- Refresh with a refresh generation (after record.lua). KEYS[1] = the record.
-- ARGV[1]: now (ms) and the presented generation p (record.lua's call);
-- ROT, GRACE, IDLE: the policy (ms).
-- Reply: the record as written back on success; R_UNKNOWN (no session),
-- R_TIMEDOUT (timed out, deleted), {R_THEFT, the record} (deleted; the
-- record names the user for the incident's log; kept THEFT_MARK_MS under
-- the key .. ':t:' .. the presented generation, so that the same call sent
-- again answers the same, and any other token of the gone session is
-- unknown).
--
-- State: F_RG is the newest refresh generation, F_RU whether it has been
-- used (presented to refresh, or an access generation >= F_RAG presented
-- to validate), F_UT when the newest used generation was first used.
--
-- Only the generation just rotated out (rg - 1) is ever answered with the
-- current tokens: while rg is unused (idempotent), or inside GRACE of rg's
-- first use. Any older one is a copy whatever the time: theft.
local k = KEYS[1]
local now, p = call(ARGV[1])
local code, v = open(k, now, IDLE)
if code == R_UNKNOWN then
  -- Gone: if a theft verdict on this very generation deleted it moments
  -- ago, say so again (a resent call whose first reply was lost must not
  -- answer "unknown").
  local mark = redis.call('GET', k .. ':t:' .. p)
  if mark then return {R_THEFT, mark} end
end
if code then return code end
local f = fields(v)
local rg = f[F_RG]

-- rotate_access issues a fresh access generation; the one it replaces
-- stays valid for the grace window.
local function rotate_access()
  f[F_PAG], f[F_PAGX] = f[F_AG], now
  f[F_AG], f[F_AGT] = f[F_AG] + 1, now
end

if p >= rg then
  -- The current token (or, after a lost write, a newer one we issued):
  -- rotate. The presented generation counts as used from now on, unless it
  -- already was.
  if not (p == rg and f[F_RU] == 1) then f[F_UT] = now end
  f[F_RG], f[F_RU] = p + 1, 0
  rotate_access()
  f[F_RAG] = f[F_AG]
elseif p == rg - 1 and f[F_RU] == 0 then
  -- Its successor was issued but never used (a lost response, two tabs, an
  -- outage right after the write): the same successor again, with an access
  -- generation that is fresh.
  if now - f[F_AGT] >= ROT then rotate_access() end
elseif p == rg - 1 and now < f[F_UT] + GRACE then
  -- Its successor has been used (first at F_UT), inside the grace window.
  if now - f[F_AGT] >= ROT then rotate_access() end
else
  -- Older than the generation just rotated out, or that one after the
  -- grace window: only a copy can present it.
  redis.call('DEL', k)
  redis.call('SET', k .. ':t:' .. p, v, 'PX', THEFT_MARK_MS)
  return {R_THEFT, v}
end
return store(k, f, v, now, IDLE)
