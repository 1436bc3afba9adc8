-- Delete every session of a user but one (after users.lua). KEYS[1] =
-- the user's index, KEYS[2] = this call's receipt. ARGV[1] = the
-- beginning every session key of the user shares (create.lua); ARGV[2] =
-- the id of the session to keep, or ""; ARGV[3] = how long to keep the
-- receipt (ms).
-- Reply: how many sessions it deleted.
--
-- It runs on the user's slot as create.lua does, so the two never
-- interleave: a session create.lua stored before is in the index and is
-- deleted here; one stored after survives. The index keeps only the kept
-- session, when it is still there. The receipt (named after a random
-- nonce of the call) makes a call sent twice happen once, as create.lua's
-- does: the second answers the first's count and deletes nothing.
local uk, receipt = KEYS[1], KEYS[2]
local base, keep, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
if not ttl then error('sessiongate: malformed revoke arguments') end
local done = redis.call('GET', receipt)
if done then return tonumber(done) end
local del, rem = {}, {}
for _, m in ipairs(redis.call('ZRANGE', uk, 0, -1)) do
  if m ~= keep then
    del[#del + 1] = base .. m
    rem[#rem + 1] = m
  end
end
local n = batches('DEL', nil, del)
batches('ZREM', uk, rem)
redis.call('SET', receipt, n, 'PX', ttl)
return n
