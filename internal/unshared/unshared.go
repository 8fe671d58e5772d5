//go:build linux

// Package unshared gives a test fixture process a thread with a
// descriptor table of its own, which lsof lists apart from its
// process's.
package unshared

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Thread runs fn on a thread, not the process's leader, that first
// unshares its descriptor table (unshare copies the process's, and what
// fn opens is in this thread's alone), and returns fn's error. The thread
// stays, locked, until the process ends. The leader is avoided because
// its table is the one /proc/PID/fd shows: a goroutine that lands on it
// keeps it and tries again on another.
func Thread(fn func() error) error {
	done := make(chan error)
	var run func()
	run = func() {
		runtime.LockOSThread() // never unlocked: the thread stays
		if unix.Gettid() == unix.Getpid() {
			go run()
			select {}
		}
		if err := unix.Unshare(unix.CLONE_FILES); err != nil {
			done <- err
			return
		}
		done <- fn()
		select {}
	}
	go run()
	return <-done
}
