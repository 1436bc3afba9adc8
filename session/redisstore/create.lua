-- Create a session (after users.lua), in one step with everything it
-- does to its user's other sessions. KEYS[1] = the new session's key,
-- KEYS[2] = its user's index (a sorted set of session ids scored by their
-- absolute end), KEYS[3] = the create's receipt. ARGV[1] = the new
-- record; ARGV[2] = the beginning every session key of the user shares
-- (the key without the id: the member's key is ARGV[2] .. member, in the
-- slot of KEYS); ARGV[3] = the limit, the most sessions the user may have;
-- ARGV[4] = how long to keep the receipt (ms).
-- Reply: the ids of the sessions it ended to keep to the limit, least
-- recently used first, concatenated ("" for none).
--
-- The receipt makes the create happen once however often it is sent: the
-- client sends a command again when its answer was lost (a read timeout,
-- a dropped connection), and a create run twice would report no session
-- ended the second time, or store again a session that RevokeUser had
-- deleted in between. When the receipt is there, the create has happened:
-- the script answers what it answered then, and writes nothing.
--
-- The time is the new record's creation time. In order:
--   1. every member whose session is gone (deleted, or expired by Redis)
--      or timed out by now (alive) leaves the index; a timed-out record
--      still stored is deleted, as validate.lua would;
--   2. while the live sessions and the new one would be more than the
--      limit, the least recently used is ended: smallest last activity,
--      then oldest created, then smallest id (so the choice never depends
--      on the index's order);
--   3. the record is stored, its TTL following its idle timeout capped by
--      its absolute end; its id joins the index, whose TTL becomes the
--      latest absolute end among its members.
-- The index therefore holds at most the limit's number of members after
-- every Create, however many sign-ins came before.
local sk, uk, receipt = KEYS[1], KEYS[2], KEYS[3]
local v, base = ARGV[1], ARGV[2]
local limit, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
if #v < HEADER or byte(v, 1) ~= VERSION or not limit or limit < 1 or not ttl then
  error('sessiongate: malformed create arguments')
end
local done = redis.call('GET', receipt)
if done then return done end
local id = sub(sk, #base + 1)
local f = fields(v)
local now = f[F_CT]

-- The keys to delete and the members to remove, sent in batches.
local del, rem = {}, {}
local live = {}
local ms, keys, vs = members(uk, base)
for i, m in ipairs(ms) do
  local r = m ~= id and vs[i]
  if r and alive(r, now) then
    live[#live + 1] = {la = num(r, F_LA), ct = num(r, F_CT), ab = num(r, F_AB), id = m}
  else
    if r then del[#del + 1] = keys[i] end
    rem[#rem + 1] = m
  end
end

table.sort(live, function(a, b)
  if a.la ~= b.la then return a.la < b.la end
  if a.ct ~= b.ct then return a.ct < b.ct end
  return a.id < b.id
end)
local evicted = {}
local last = f[F_AB] -- the latest absolute end of the sessions that stay
for i, s in ipairs(live) do
  if i <= #live + 1 - limit then
    del[#del + 1] = base .. s.id
    rem[#rem + 1] = s.id
    evicted[i] = s.id
  elseif s.ab > last then
    last = s.ab
  end
end
batches('DEL', nil, del)
batches('ZREM', uk, rem)

local idle_end = now + f[F_IT]
if idle_end > f[F_AB] then idle_end = f[F_AB] end
redis.call('SET', sk, v, 'PX', idle_end - now)
redis.call('ZADD', uk, f[F_AB], id)
redis.call('PEXPIRE', uk, last - now)
local out = table.concat(evicted)
redis.call('SET', receipt, out, 'PX', ttl)
return out
