-- List a user's live sessions (after users.lua). KEYS[1] = the user's
-- index; ARGV[1] = the beginning every session key of the user shares
-- (create.lua); ARGV[2] = now (ms).
-- Reply: id, record, id, record, … of the sessions live at now (alive),
-- in the index's order (absolute end, then id).
--
-- Members whose session is gone leave the index on the way, and a record
-- timed out by now is deleted, as create.lua does.
local uk, base = KEYS[1], ARGV[1]
local now = tonumber(ARGV[2])
if not now then error('sessiongate: malformed list arguments') end
local out, del, rem = {}, {}, {}
local ms, keys, vs = members(uk, base)
for i, m in ipairs(ms) do
  local r = vs[i]
  if r and alive(r, now) then
    out[#out + 1] = m
    out[#out + 1] = r
  else
    if r then del[#del + 1] = keys[i] end
    rem[#rem + 1] = m
  end
end
batches('DEL', nil, del)
batches('ZREM', uk, rem)
return out
