package redisstore

import (
	"errors"
	"strings"
	"time"
)

// A session is one Redis string, the record: a version byte, a fixed header
// of 15 unsigned 48-bit big-endian integers, then the user id, the roles
// (comma-joined), the agent (a summary of the User-Agent) and the claims
// (JSON), whose lengths, but the last, the header holds:
//
//	offset  field  meaning
//	0       -      recordVersion (2)
//	1       la     last active, ms since the epoch (slides the idle timeout)
//	7       ab     absolute end, ms
//	13      ag     current access generation
//	19      agt    when ag was issued, ms
//	25      pag    the access generation just rotated out
//	31      pagx   when pag was rotated out, ms
//	37      rg     newest refresh generation
//	43      ru     1 once rg has been used, else 0
//	49      ut     when the newest used refresh generation was first used, ms
//	55      rag    first access generation issued with rg
//	61      ct     created, ms
//	67      it     the idle timeout the session was created with, ms
//	73      ul     length of the user id
//	79      rll    length of the roles
//	85      agl    length of the agent
//	91      uid, roles, agent, claims
//
// Version 2 added it and the agent. The idle timeout is in the record so
// that whoever reads a session decides whether it is live from the record
// and the caller's clock alone (Info, ListUser, and Create when it counts
// the user's sessions take no Policy); validate.lua and refresh.lua go on
// taking it from the Policy, which the Manager fills from the same
// configuration. Records of version 1 were stored under keys of the layout
// before one hash slot per user (doc.go), which nothing reads.
//
// Why one string rather than a hash of fields: a validation reads the
// session with one GET (in Go, or inside validate.lua) and a script writes
// it back with one SET, and Redis hands the whole record to the client as
// one bulk string, which costs Redis about a third of reading and writing a
// dozen hash fields (BENCHMARKS.md, "Store layout"). The Lua side of the
// format is record.lua, which takes every number of the format from the
// constants here (lua.go generates its prologue); the two are pinned
// together by TestRecordLuaMatchesGo, TestLuaTakesItsNumbersFromGo and
// FuzzDecodeRecord.
const (
	recordVersion = 2
	fieldBytes    = 6
	numFields     = 15
	headerLen     = 1 + numFields*fieldBytes // 91
	maxField      = 1<<(8*fieldBytes) - 1    // 2^48-1: ms timestamps to the year 10889
	// callArgLen is the length of validate.lua's and refresh.lua's one
	// argument, a version byte and two fields (callArg).
	callArgLen = 1 + 2*fieldBytes
)

// Header field indexes, in the order above; Lua knows each as F_ and its
// name in the table (F_LA, F_AB, …: luaFieldNames).
const (
	fLastActive = iota
	fAbsEnd
	fAccessGen
	fAccessIssued
	fPrevAccessGen
	fPrevAccessOut
	fRefreshGen
	fRefreshUsed
	fUsedAt
	fRefreshAccessGen
	fCreated
	fIdleTimeout
	fUserLen
	fRolesLen
	fAgentLen
)

// Reply codes of validate.lua and refresh.lua when there is no session to
// answer with (a successful call answers with the record). Lua knows them
// as R_UNKNOWN, R_EXPIRED, R_TIMEDOUT and R_THEFT.
const (
	replyUnknown  = 1 // no session under the key
	replyExpired  = 2 // the access generation is too old: refresh and retry
	replyTimedOut = 3 // idle or absolute timeout: the session was deleted
	replyTheft    = 4 // a rotated-out refresh token after its grace: deleted
)

// record is a decoded session record.
type record struct {
	h      [numFields]uint64
	uid    string
	roles  string // comma-joined
	agent  string // session.Record.Agent
	claims string // JSON object text
}

var errRecord = errors.New("redisstore: malformed session record")

// decodeRecord parses a record. The strings share v's memory.
func decodeRecord(v string) (record, error) {
	var r record
	if len(v) < headerLen || v[0] != recordVersion {
		return r, errRecord
	}
	for i := range r.h {
		p := 1 + i*fieldBytes
		var n uint64
		for _, c := range []byte(v[p : p+fieldBytes]) {
			n = n<<8 | uint64(c)
		}
		r.h[i] = n
	}
	ul, rll, agl := r.h[fUserLen], r.h[fRolesLen], r.h[fAgentLen]
	rest := uint64(len(v) - headerLen)
	if ul > rest || rll > rest-ul || agl > rest-ul-rll {
		return r, errRecord
	}
	r.uid = v[headerLen : headerLen+ul]
	r.roles = v[headerLen+ul : headerLen+ul+rll]
	r.agent = v[headerLen+ul+rll : headerLen+ul+rll+agl]
	r.claims = v[headerLen+ul+rll+agl:]
	return r, nil
}

// encode renders the record, setting the three length fields from the strings.
// A field above maxField is an error: it cannot come from a clock or a
// generation counter, and Lua could not carry it exactly.
func (r record) encode() (string, error) {
	r.h[fUserLen], r.h[fRolesLen], r.h[fAgentLen] = uint64(len(r.uid)), uint64(len(r.roles)), uint64(len(r.agent))
	var b strings.Builder
	b.Grow(headerLen + len(r.uid) + len(r.roles) + len(r.agent) + len(r.claims))
	var hb [headerLen]byte
	h := append(hb[:0], recordVersion)
	for _, n := range r.h {
		if n > maxField {
			return "", errRecord
		}
		h = appendField(h, n)
	}
	b.Write(h)
	b.WriteString(r.uid)
	b.WriteString(r.roles)
	b.WriteString(r.agent)
	b.WriteString(r.claims)
	return b.String(), nil
}

// appendField appends n, at most maxField, as one header field.
func appendField(b []byte, n uint64) []byte {
	for s := 8 * (fieldBytes - 1); s >= 0; s -= 8 {
		b = append(b, byte(n>>s))
	}
	return b
}

func (r record) time(i int) time.Time { return time.UnixMilli(int64(r.h[i])) }

// live reports whether the session is live at now (ms) by the record
// alone: before its absolute end, and less than its idle timeout after its
// recorded activity. users.lua's alive is the same test in Lua
// (TestLiveAgreesWithLua).
func (r *record) live(now int64) bool {
	return now < int64(r.h[fAbsEnd]) && now-int64(r.h[fLastActive]) < int64(r.h[fIdleTimeout])
}

func (r record) roleList() []string {
	if r.roles == "" {
		return nil
	}
	return strings.Split(r.roles, ",")
}
