-- Replace roles and claims of a live session (after record.lua), keeping
-- its TTL. KEYS[1] = the record. ARGV: roles (comma-joined), claims (JSON).
-- Reply: 1 if updated, 0 if gone.
local v = load(KEYS[1])
if not v then return 0 end
local ul = num(v, 11)
v = sub(v, 1, 73) .. enc(#ARGV[1]) .. sub(v, HEADER + 1, HEADER + ul) .. ARGV[1] .. ARGV[2]
redis.call('SET', KEYS[1], v, 'KEEPTTL')
return 1
