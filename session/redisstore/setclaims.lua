-- Replace roles and claims of a live session. KEYS[1] = session hash.
-- ARGV: roles (comma-joined), claims (JSON). Reply: 1 if updated, 0 if gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'rl', ARGV[1], 'cl', ARGV[2])
return 1
