-- Replace roles and claims of every session of a user (after users.lua),
-- keeping each one's TTL. KEYS[1] = the user's index; ARGV[1] = the
-- beginning every session key of the user shares (create.lua); ARGV[2] =
-- roles (comma-joined); ARGV[3] = claims (JSON).
-- Reply: how many sessions it updated. Members whose session is gone leave
-- the index on the way.
local uk, base, roles, claims = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local n, rem = 0, {}
local ms, keys, vs = members(uk, base)
for i, m in ipairs(ms) do
  local k, v = keys[i], vs[i]
  if v then
    local f = fields(v)
    local uid = sub(v, HEADER + 1, HEADER + f[F_UL])
    local agent = sub(v, HEADER + f[F_UL] + f[F_RLL] + 1, HEADER + f[F_UL] + f[F_RLL] + f[F_AGL])
    f[F_RLL] = #roles
    redis.call('SET', k, render(f, uid .. roles .. agent .. claims), 'KEEPTTL')
    n = n + 1
  else
    rem[#rem + 1] = m
  end
end
batches('ZREM', uk, rem)
return n
