package sessiontest

import "syscall"

// sysProcAttr makes the kernel kill a redis-server when the test binary dies
// without running its cleanups (a -timeout panic, a kill), so no test server
// outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
