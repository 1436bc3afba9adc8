-- Helpers of the scripts that work on all of a user's sessions at once
-- (create.lua, revokeuser.lua, listuser.lua, setclaims.lua), after
-- record.lua.

-- batches runs command cmd on every item of xs, BATCH items a call, after
-- key k unless k is nil, and returns the sum of its replies (how many keys
-- DEL deleted, how many members ZREM removed): one call for a few items
-- rather than one each, and never more arguments than Lua's stack holds.
local function batches(cmd, k, xs)
  local n = 0
  for i = 1, #xs, BATCH do
    local j = i + BATCH - 1
    if j > #xs then j = #xs end
    if k then
      n = n + redis.call(cmd, k, unpack(xs, i, j))
    else
      n = n + redis.call(cmd, unpack(xs, i, j))
    end
  end
  return n
end

-- alive reports whether record v is live at now by the record alone:
-- before its absolute end, and less than the idle timeout it was created
-- with after its recorded activity (record.go's live, the same test).
local function alive(v, now)
  return now < num(v, F_AB) and now - num(v, F_LA) < num(v, F_IT)
end

-- members returns the members of index uk, the keys of their sessions (the
-- key of member m is base .. m), and the records at those keys, each one
-- or false when there is none: one ZRANGE and one MGET per BATCH members,
-- rather than a GET each. A value of another shape fails the script, as
-- record.lua's load does.
local function members(uk, base)
  local ms = redis.call('ZRANGE', uk, 0, -1)
  local keys, vs = {}, {}
  for i, m in ipairs(ms) do keys[i] = base .. m end
  for i = 1, #keys, BATCH do
    local j = i + BATCH - 1
    if j > #keys then j = #keys end
    for _, v in ipairs(redis.call('MGET', unpack(keys, i, j))) do
      if v and (#v < HEADER or byte(v, 1) ~= VERSION) then
        error('sessiongate: malformed session record')
      end
      vs[#vs + 1] = v
    end
  end
  return ms, keys, vs
end
