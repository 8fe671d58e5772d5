//go:build linux

package fdscan

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestProcessIDLive: with Options.ProcessIDs our own process's identity
// is our pidfd's pidfs inode; without it none is read.
func TestProcessIDLive(t *testing.T) {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		t.Fatalf("pidfd_open: %v", err)
	}
	defer unix.Close(fd)
	want, ok := PidfdID(fd)
	if !ok {
		t.Fatalf("this kernel has no pidfs (Linux 6.9)")
	}
	for _, pin := range []bool{true, false} {
		s, err := New(Options{Root: "/proc", ProcessIDs: pin})
		if err != nil {
			t.Fatal(err)
		}
		var got uint64
		if err := s.Scan([]int{os.Getpid()}, func(p *Process) error {
			if p.TID == 0 {
				got = p.ProcessID
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if w := map[bool]uint64{true: want, false: 0}[pin]; got != w {
			t.Errorf("ProcessIDs %v: ProcessID %d, want %d", pin, got, w)
		}
	}
}
