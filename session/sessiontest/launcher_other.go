//go:build !linux

package sessiontest

import "syscall"

// sysProcAttr has nothing to add outside Linux: test servers are killed by
// tb.Cleanup only.
func sysProcAttr() *syscall.SysProcAttr { return nil }
