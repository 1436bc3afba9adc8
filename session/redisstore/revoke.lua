-- Delete a session (after record.lua). KEYS[1] = the record.
-- Reply: its user id, or nil when there was none.
local v = load(KEYS[1])
if not v then return false end
redis.call('DEL', KEYS[1])
return sub(v, HEADER + 1, HEADER + num(v, F_UL))
