-- Validate an access generation (after record.lua). KEYS[1] = the record.
-- ARGV[1]: now (ms) and the presented generation g (record.lua's call);
-- TTL, ROT, GRACE, IDLE: the policy (ms).
--
-- Only validations that may write run this script: the store answers the
-- others with a plain GET and decides them in Go (validate.go's decide,
-- which TestDecideAgreesWithScript holds to this script on thousands of
-- records around every boundary below).
--
-- Reply: the record, as written back or, when nothing changed, as stored
-- (the caller sends a new cookie when its access generation differs from
-- g); or R_UNKNOWN (no session), R_EXPIRED (refresh and retry),
-- R_TIMEDOUT (timed out, deleted).
local k = KEYS[1]
local now, g = call(ARGV[1])
local code, v = open(k, now, IDLE)
if code then return code end
local f = fields(v)
local write = false
if g >= f[F_AG] then
  if g > f[F_AG] then
    -- A generation we issued whose write was lost (a failover with
    -- asynchronous replication): adopt it rather than log the user out.
    f[F_AG], f[F_AGT] = g, now
    write = true
  end
  if now - f[F_AGT] >= TTL then return R_EXPIRED end
  if now - f[F_AGT] >= ROT then
    -- Rotate: the presented generation stays valid for the grace window.
    f[F_PAG], f[F_PAGX] = f[F_AG], now
    f[F_AG], f[F_AGT] = f[F_AG] + 1, now
    write = true
  end
elseif not (g == f[F_PAG] and now < f[F_PAGX] + GRACE) or now - f[F_AGT] >= TTL then
  -- Neither current nor just rotated out inside the grace window (which
  -- hands back the same current generation: no forks).
  return R_EXPIRED
end
if f[F_RU] == 0 and g >= f[F_RAG] then
  -- An access generation issued with the current refresh token was used:
  -- the refresh token's predecessors are now rotated out for good.
  f[F_RU], f[F_UT] = 1, now
  write = true
end
-- Activity is recorded only with a write that happens anyway, so the idle
-- timeout's precision is ROT (record.lua's store).
if write then return store(k, f, v, now, IDLE) end
return v
