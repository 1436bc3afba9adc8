-- Validate an access generation (after record.lua). KEYS[1] = the record.
-- ARGV[1]: now_ms and gen (record.lua's call); TTL, ROT, GRACE, IDLE: the
-- policy (ms); STEP: how often activity is recorded (ms). fv: the record
-- as validate_fast.lua read it (it answered when nothing changes).
-- Reply: the record as written back on success (the caller sends a new
-- cookie when its access generation differs from gen); 1 unknown session,
-- 2 expired (refresh), 3 timed out (deleted).
local k = KEYS[1]
local now, g = call(ARGV[1])
local code, v, la, ab = open(k, now, IDLE, fv)
if code then return code end
local ag, agt = num(v, 2), num(v, 3)
local write = false
if g >= ag then
  if g > ag then
    -- A generation we issued but whose write was lost (failover with
    -- asynchronous replication): adopt it rather than log the user out.
    ag, agt = g, now
    v = sub(v, 1, 13) .. enc(ag) .. enc(agt) .. sub(v, 26)
    write = true
  end
  if now - agt >= TTL then return 2 end
  if now - agt >= ROT then
    -- Rotate: the presented generation stays valid for the grace window.
    v = sub(v, 1, 13) .. enc(ag + 1) .. enc(now) .. enc(ag) .. enc(now) .. sub(v, 38)
    ag, write = ag + 1, true
  end
else
  local pag, pagx = num(v, 4), num(v, 5)
  -- Just rotated out: hand back the same current generation (no forks).
  if not (g == pag and now < pagx + GRACE) or now - agt >= TTL then return 2 end
end
-- (ru is 0 or 1: its last byte, 49, says which.)
if byte(v, 49) == 0 and g >= num(v, 9) then
  -- An access token issued with the current refresh token was used: the
  -- refresh token's predecessors are now rotated out for good.
  v = sub(v, 1, 43) .. enc(1) .. enc(now) .. sub(v, 56)
  write = true
end
-- Slide the idle timeout, capped by the absolute end. Activity is recorded
-- at most once per STEP (IdleTimeout/100, at most a minute), so a burst of
-- requests costs one write: the session's idle end then lies between
-- IdleTimeout minus that step and IdleTimeout after its last request.
if now - la >= STEP then
  v = char(1) .. enc(now) .. sub(v, 8)
  la, write = now, true
end
if write then
  local idle_end = la + IDLE
  if idle_end > ab then idle_end = ab end
  redis.call('SET', k, v, 'PX', idle_end - now)
end
return v
