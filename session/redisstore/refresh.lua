-- Refresh with a refresh generation. KEYS[1] = session hash.
-- ARGV: now_ms, presented_gen, access_ttl_ms, rotate_after_ms, grace_ms, idle_ms
-- Reply: {0, uid, ag, agt, rg, roles, claims, ab, idle_end} on success;
--        {1} unknown session, {3} timed out (deleted), {4} theft (deleted).
--
-- State: rg is the newest refresh generation, ru whether it has been used
-- (presented to refresh, or an access generation >= rag presented to
-- validate), ut when the newest used generation was first used.
local k = KEYS[1]
local now = tonumber(ARGV[1])
local p = tonumber(ARGV[2])
local rot = tonumber(ARGV[4])
local grace = tonumber(ARGV[5])
local idle = tonumber(ARGV[6])
local f = redis.call('HMGET', k, 'uid', 'la', 'ab', 'ag', 'agt', 'pag', 'pagx', 'rg', 'ru', 'ut', 'rag', 'rl', 'cl')
if not f[1] then return {1} end
local la, ab = tonumber(f[2]), tonumber(f[3])
if now >= ab or now - la >= idle then
  redis.call('DEL', k)
  return {3}
end
local ag, agt, pag, pagx = tonumber(f[4]), tonumber(f[5]), tonumber(f[6]), tonumber(f[7])
local rg, ru, ut, rag = tonumber(f[8]), tonumber(f[9]), tonumber(f[10]), tonumber(f[11])
local newest_used = rg - 1
if ru == 1 then newest_used = rg end

if p >= rg then
  -- The current token (or, after a lost write, a newer one we issued):
  -- rotate. The presented generation counts as used from now on, unless it
  -- already was.
  if not (p == rg and ru == 1) then ut = now end
  rg, ru = p + 1, 0
  pag, pagx, ag, agt = ag, now, ag + 1, now
  rag = ag
elseif p == newest_used and ru == 0 then
  -- Its successor was issued but never used (a lost response, two tabs, an
  -- outage right after the write): the same successor again, with an access
  -- generation that is fresh.
  if now - agt >= rot then
    pag, pagx, ag, agt = ag, now, ag + 1, now
  end
else
  -- A successor of p has been used.
  if now < ut + grace then
    if now - agt >= rot then
      pag, pagx, ag, agt = ag, now, ag + 1, now
    end
  else
    redis.call('DEL', k)
    return {4}
  end
end
local idle_end = now + idle
if idle_end > ab then idle_end = ab end
redis.call('HSET', k, 'la', now, 'ag', ag, 'agt', agt, 'pag', pag, 'pagx', pagx, 'rg', rg, 'ru', ru, 'ut', ut, 'rag', rag)
redis.call('PEXPIRE', k, idle_end - now)
return {0, f[1], ag, agt, rg, f[12], f[13], ab, idle_end}
