// Package logid hides identifiers in logs behind a salted hash, so that an
// incident can be traced across log lines (the same session gives the same
// hash in the authorizer, the session API and the operator tool when they
// share LOG_SALT) while the logs never carry a session id or a user id an
// attacker could use or a reader could tie to a person.
//
// A hash is the first 12 lower-case hex characters (48 bits) of
// HMAC-SHA256(salt, id): enough to tell a user's sessions apart in one
// incident, too short to serve as an identifier anywhere else, and keyed,
// so that it cannot be reversed by hashing candidate ids without the salt.
//
// The salt comes from LOG_SALT in every main that logs hashes
// (cmd/authorizer, cmd/sessionapi, cmd/sessiongate). Without it each
// process draws a random salt: hashes then correlate lines of one process
// only, and nothing outside it can recompute them. The salt is not a
// session key; rotating it only breaks correlation across the change.
//
// The package hashes; it never logs. A Hasher holds its salt and redacts it
// when printed.
package logid
