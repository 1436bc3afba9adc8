-- Replace roles and claims of a live session (after record.lua), keeping
-- its TTL. KEYS[1] = the record. ARGV: roles (comma-joined), claims (JSON).
-- Reply: 1 if updated, 0 if gone (a count the caller adds up).
local v = load(KEYS[1])
if not v then return 0 end
local f = fields(v)
local uid = sub(v, HEADER + 1, HEADER + f[F_UL])
f[F_RLL] = #ARGV[1]
redis.call('SET', KEYS[1], render(f, uid .. ARGV[1] .. ARGV[2]), 'KEEPTTL')
return 1
