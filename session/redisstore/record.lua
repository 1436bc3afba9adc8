-- The session record (record.go documents the format): a version byte, 13
-- unsigned 48-bit big-endian integers, then user id, roles and claims.
-- Every script is this file followed by its own body. validate.lua and
-- refresh.lua also get a line before it that defines TTL, ROT, GRACE and
-- IDLE, the policy's durations in ms, and STEP, how often activity is
-- recorded; validate.lua's fast path comes between that line and this
-- file. Only string.byte, string.char and arithmetic are used, so the
-- scripts also run on Lua engines without Redis's struct library.
local byte, char, sub = string.byte, string.char, string.sub
local HEADER = 79

-- num reads header field i (0-based, record.go's order) of record v.
local function num(v, i)
  local a, b, c, d, e, f = byte(v, 2 + 6 * i, 7 + 6 * i)
  return ((((a * 256 + b) * 256 + c) * 256 + d) * 256 + e) * 256 + f
end

-- call reads validate.lua's and refresh.lua's one argument, a header of two
-- fields: the call's time (ms) and the presented generation.
local function call(a)
  if #a ~= 13 or byte(a, 1) ~= 1 then
    error('sessiongate: malformed script argument')
  end
  return num(a, 0), num(a, 1)
end

-- enc renders one header field. A value outside 0..2^48-1 makes char fail,
-- which fails the script: nothing is written.
local function enc(x)
  local f = x % 256; x = (x - f) / 256
  local e = x % 256; x = (x - e) / 256
  local d = x % 256; x = (x - d) / 256
  local c = x % 256; x = (x - c) / 256
  local b = x % 256; x = (x - b) / 256
  return char(x, b, c, d, e, f)
end

-- header renders a whole header from its 13 fields.
local function header(la, ab, ag, agt, pag, pagx, rg, ru, ut, rag, ct, ul, rll)
  return char(1) .. enc(la) .. enc(ab) .. enc(ag) .. enc(agt) .. enc(pag) .. enc(pagx)
    .. enc(rg) .. enc(ru) .. enc(ut) .. enc(rag) .. enc(ct) .. enc(ul) .. enc(rll)
end

-- load returns the record at key k, or nil when there is none; v, when
-- given, is the value already read from k. A value of another shape fails
-- the script (a store error, never "no session").
local function load(k, v)
  v = v or redis.call('GET', k)
  if not v then return nil end
  if #v < HEADER or byte(v, 1) ~= 1 then
    error('sessiongate: malformed session record')
  end
  return v
end

-- open reads the record at k (v: as load) for a call at now under an idle
-- timeout of idle ms: nil, the record, its last-active time and its
-- absolute end; or a reply code when there is no live session: 1 none, 3
-- timed out (deleted).
local function open(k, now, idle, v)
  v = load(k, v)
  if not v then return 1 end
  local la, ab = num(v, 0), num(v, 1)
  if now >= ab or now - la >= idle then
    redis.call('DEL', k)
    return 3
  end
  return nil, v, la, ab
end
