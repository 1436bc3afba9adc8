-- Refresh with a refresh generation (after record.lua). KEYS[1] = the record.
-- ARGV[1]: now_ms and the presented generation (record.lua's call); ROT,
-- GRACE, IDLE: the policy (ms).
-- Reply: the record as written back on success; 1 unknown session,
-- 3 timed out (deleted), 4 theft (deleted).
--
-- State: rg is the newest refresh generation, ru whether it has been used
-- (presented to refresh, or an access generation >= rag presented to
-- validate), ut when the newest used generation was first used.
local k = KEYS[1]
local now, p = call(ARGV[1])
local code, v, _, ab = open(k, now, IDLE)
if code then return code end
local ag, agt, pag, pagx = num(v, 2), num(v, 3), num(v, 4), num(v, 5)
local rg, ru, ut, rag = num(v, 6), num(v, 7), num(v, 8), num(v, 9)
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
  if now - agt >= ROT then
    pag, pagx, ag, agt = ag, now, ag + 1, now
  end
else
  -- A successor of p has been used.
  if now < ut + GRACE then
    if now - agt >= ROT then
      pag, pagx, ag, agt = ag, now, ag + 1, now
    end
  else
    redis.call('DEL', k)
    return 4
  end
end
local idle_end = now + IDLE
if idle_end > ab then idle_end = ab end
v = header(now, ab, ag, agt, pag, pagx, rg, ru, ut, rag, num(v, 10), num(v, 11), num(v, 12)) .. sub(v, HEADER + 1)
redis.call('SET', k, v, 'PX', idle_end - now)
return v
