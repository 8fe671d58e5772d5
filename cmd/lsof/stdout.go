//go:build linux

package main

import "golang.org/x/sys/unix"

// stdoutWatch notices when standard output is a pipe or socket whose
// reader has gone (lsof | head -1), so that a listing nobody will read
// stops scanning instead of finishing first. It polls at most every
// 64th call.
type stdoutWatch struct {
	fd    int
	calls int
}

func newStdoutWatch(on bool) *stdoutWatch {
	const fd = 1
	var st unix.Stat_t
	if !on || unix.Fstat(fd, &st) != nil {
		return &stdoutWatch{fd: -1}
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFIFO && t != unix.S_IFSOCK {
		return &stdoutWatch{fd: -1}
	}
	return &stdoutWatch{fd: fd}
}

func (w *stdoutWatch) gone() bool {
	if w.fd < 0 {
		return false
	}
	if w.calls++; w.calls%64 != 1 {
		return false
	}
	fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLOUT}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0
}
