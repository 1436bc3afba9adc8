-- Validate an access generation. KEYS[1] = session hash.
-- ARGV: now_ms, gen, access_ttl_ms, rotate_after_ms, grace_ms, idle_ms
-- Reply: {0, uid, ag, agt, rotated, roles, claims, ab, idle_end} on success;
--        {1} unknown session, {2} expired (refresh), {3} timed out (deleted).
local k = KEYS[1]
local now = tonumber(ARGV[1])
local g = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local rot = tonumber(ARGV[4])
local grace = tonumber(ARGV[5])
local idle = tonumber(ARGV[6])
local f = redis.call('HMGET', k, 'uid', 'la', 'ab', 'ag', 'agt', 'pag', 'pagx', 'ru', 'rag', 'rl', 'cl')
if not f[1] then return {1} end
local la, ab = tonumber(f[2]), tonumber(f[3])
if now >= ab or now - la >= idle then
  redis.call('DEL', k)
  return {3}
end
local ag, agt, pag, pagx = tonumber(f[4]), tonumber(f[5]), tonumber(f[6]), tonumber(f[7])
local ru, rag = tonumber(f[8]), tonumber(f[9])
local rotated = 0
local changed = false
if g == ag or g > ag then
  if g > ag then
    -- A generation we issued but whose write was lost (failover with
    -- asynchronous replication): adopt it rather than log the user out.
    ag, agt, changed = g, now, true
  end
  if now - agt >= ttl then return {2} end
  if now - agt >= rot then
    pag, pagx, ag, agt = ag, now, ag + 1, now
    rotated, changed = 1, true
  end
elseif g == pag and now < pagx + grace then
  -- Just rotated out: hand back the same current generation (no forks).
  if now - agt >= ttl then return {2} end
  rotated = 1
else
  return {2}
end
local idle_end = now + idle
if idle_end > ab then idle_end = ab end
if changed then
  redis.call('HSET', k, 'la', now, 'ag', ag, 'agt', agt, 'pag', pag, 'pagx', pagx)
else
  redis.call('HSET', k, 'la', now)
end
if ru == 0 and g >= rag then
  -- An access token issued with the current refresh token was used: the
  -- refresh token's predecessors are now rotated out for good.
  redis.call('HSET', k, 'ru', 1, 'ut', now)
end
redis.call('PEXPIRE', k, idle_end - now)
return {0, f[1], ag, agt, rotated, f[10], f[11], ab, idle_end}
