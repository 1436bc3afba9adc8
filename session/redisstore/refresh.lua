-- Refresh with a refresh generation (after record.lua). KEYS[1] = the record.
-- ARGV[1]: now (ms) and the presented generation p (record.lua's call);
-- ROT, GRACE, IDLE: the policy (ms).
-- Reply: the record as written back on success; R_UNKNOWN (no session),
-- R_TIMEDOUT (timed out, deleted), R_THEFT (deleted).
--
-- State: F_RG is the newest refresh generation, F_RU whether it has been
-- used (presented to refresh, or an access generation >= F_RAG presented
-- to validate), F_UT when the newest used generation was first used.
local k = KEYS[1]
local now, p = call(ARGV[1])
local code, v = open(k, now, IDLE)
if code then return code end
local f = fields(v)
local rg = f[F_RG]
local newest_used = rg - 1
if f[F_RU] == 1 then newest_used = rg end

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
elseif p == newest_used and f[F_RU] == 0 then
  -- Its successor was issued but never used (a lost response, two tabs, an
  -- outage right after the write): the same successor again, with an access
  -- generation that is fresh.
  if now - f[F_AGT] >= ROT then rotate_access() end
elseif now < f[F_UT] + GRACE then
  -- A successor of p has been used, inside the grace window.
  if now - f[F_AGT] >= ROT then rotate_access() end
else
  redis.call('DEL', k)
  return R_THEFT
end
return store(k, f, v, now, IDLE)
