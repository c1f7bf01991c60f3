package nodeproc

import "syscall"

// sysProcAttr makes the kernel send SIGTERM to a node when the process that
// started it dies, so no node outlives its `runnel local` or test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
