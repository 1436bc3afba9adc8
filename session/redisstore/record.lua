-- The session record (record.go documents the format): a version byte,
-- NFIELDS unsigned big-endian integers of WIDTH bytes each, then user id,
-- roles, agent and claims. Every script is a prologue that lua.go
-- generates from record.go's constants, then this file, then its own body
-- (the scripts of a user's sessions: users.lua, then the body). The prologue
-- defines the constants (VERSION, WIDTH, NFIELDS, HEADER, ARGLEN, the field
-- indexes F_LA … F_AGL, counted from 1 as Lua does, the reply codes
-- R_UNKNOWN … R_THEFT, and BATCH for users.lua), byte, char and sub, and the functions that read and write header fields, unrolled
-- for the format: num(v, i), field i of record v; fields(v), every field
-- in a table indexed by F_…; render(f, strs), a record from such a table
-- and the strings after the header. validate.lua and refresh.lua also get
-- the policy's durations in ms (TTL, ROT, GRACE, IDLE). No number of the
-- format is written here: TestLuaTakesItsNumbersFromGo fails if one is.
-- Only string.byte, string.char and arithmetic are used, so the scripts
-- also run on Lua engines without Redis's struct library.

-- call reads validate.lua's and refresh.lua's one argument, a header of two
-- fields: the call's time (ms) and the presented generation.
local function call(a)
  if #a ~= ARGLEN or byte(a, 1) ~= VERSION then
    error('sessiongate: malformed script argument')
  end
  return num(a, 1), num(a, 1 + 1)
end

-- load returns the record at key k, or nil when there is none. A value of
-- another shape fails the script (a store error, never "no session").
local function load(k)
  local v = redis.call('GET', k)
  if not v then return nil end
  if #v < HEADER or byte(v, 1) ~= VERSION then
    error('sessiongate: malformed session record')
  end
  return v
end

-- open reads the record at k for a call at now under an idle timeout of
-- idle ms: nil and the record; or a reply code when there is no live
-- session: R_UNKNOWN none, R_TIMEDOUT timed out (deleted).
local function open(k, now, idle)
  local v = load(k)
  if not v then return R_UNKNOWN end
  if now >= num(v, F_AB) or now - num(v, F_LA) >= idle then
    redis.call('DEL', k)
    return R_TIMEDOUT
  end
  return nil, v
end

-- store writes record v, with header fields f, back to k at now under an
-- idle timeout of idle ms, recording activity: the idle timeout slides
-- from now, capped by the absolute end, and the key's TTL follows it.
local function store(k, f, v, now, idle)
  f[F_LA] = now
  local idle_end = now + idle
  if idle_end > f[F_AB] then idle_end = f[F_AB] end
  v = render(f, sub(v, HEADER + 1))
  redis.call('SET', k, v, 'PX', idle_end - now)
  return v
end
