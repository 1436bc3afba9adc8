package main

import (
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
)

// envInsecureDemoSignIn is the variable of -insecure-demo-signin.
const envInsecureDemoSignIn = "INSECURE_DEMO_SIGNIN"

// loopbackListener reports whether addr, where the gateway listens, can be
// reached from this machine only: a loopback address. A wildcard address
// (0.0.0.0, [::], ":8080") listens on every interface and is not.
func loopbackListener(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// demoSignInDecision says whether the gateway serves the demo sign-in and
// why, for the start-up line.
type demoSignInDecision struct {
	on bool
	// insecure: on only because of -insecure-demo-signin.
	insecure bool
	line     string
}

// decideDemoSignIn decides the demo sign-in (POST <stage><base>/demo/
// signin, at route) for a gateway listening at addr: on at a loopback
// address; elsewhere only with -insecure-demo-signin, because it signs in
// anyone as anyone without authentication.
func decideDemoSignIn(addr net.Addr, insecure bool, route string) demoSignInDecision {
	switch {
	case loopbackListener(addr):
		return demoSignInDecision{on: true,
			line: fmt.Sprintf("the demo sign-in POST %s is on: it signs in anyone, and %s is a loopback address", route, addr)}
	case insecure:
		return demoSignInDecision{on: true, insecure: true,
			line: fmt.Sprintf("warning: the demo sign-in POST %s is on at %s, which is not a loopback address (-insecure-demo-signin): "+
				"anyone who can reach it can sign in as anyone", route, addr)}
	default:
		return demoSignInDecision{
			line: fmt.Sprintf("the demo sign-in POST %s is off: %s is not a loopback address "+
				"(-insecure-demo-signin or %s=true serves it there anyway)", route, addr, envInsecureDemoSignIn)}
	}
}

// demoSignInOff answers the demo route when the demo sign-in is off:
// 403, saying why, and no session.
func demoSignInOff() http.Handler {
	const msg = `{"message":"the demo sign-in is off: the local gateway does not listen on a loopback address (start it with -insecure-demo-signin to serve it anyway)"}`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, msg)
	})
}

// insecureSwitchesLine is the start-up line naming the insecure switches
// the gateway relies on — those of the in-process functions'
// configurations (session.Config.InsecureSwitchesInUse) and
// INSECURE_DEMO_SIGNIN when the demo sign-in is on only because of it —
// names only, "none" when there are none.
func insecureSwitchesLine(st *startup, demo demoSignInDecision) string {
	var names []string
	for _, id := range slices.Sorted(maps.Keys(st.configs)) {
		for _, n := range st.configs[id].InsecureSwitchesInUse() {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	if demo.insecure {
		names = append(names, envInsecureDemoSignIn)
	}
	if len(names) == 0 {
		return "insecure switches in use: none"
	}
	return "insecure switches in use: " + strings.Join(names, ", ")
}
