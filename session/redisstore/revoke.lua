-- Delete a session. KEYS[1] = session hash. Reply: its user id, or nil.
local uid = redis.call('HGET', KEYS[1], 'uid')
if not uid then return false end
redis.call('DEL', KEYS[1])
return uid
