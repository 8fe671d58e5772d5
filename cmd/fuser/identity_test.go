//go:build linux

package main

import (
	"errors"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// TestSignalChecksIdentity: a process with the PID and the start time of
// the one read, but not its pidfs identity, is what a process that took
// the PID within the same clock tick looks like. signalProcess refuses
// it (ESRCH, nothing sent), and signals the process read. Only the
// sleeper the test started is signalled.
func TestSignalChecksIdentity(t *testing.T) {
	sc, err := fdscan.New(fdscan.Options{ProcessIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	s := startSleeper(t, nil, false)
	var read *fdscan.Process
	if err := sc.Scan([]int{s.pid()}, func(p *fdscan.Process) error {
		if p.TID == 0 {
			c := *p
			read = &c
		}
		return nil
	}); err != nil || read == nil {
		t.Fatalf("Scan of the sleeper: %v, read %v", err, read != nil)
	}
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		t.Fatalf("pidfd_open: %v", err)
	}
	_, pidfs := fdscan.PidfdID(fd)
	unix.Close(fd)
	if !pidfs {
		t.Fatalf("this kernel has no pidfs (Linux 6.9): the scan reads no identity")
	}
	if read.ProcessID == 0 {
		t.Fatalf("the scan read no ProcessID of the sleeper")
	}
	f := &fuser{scanner: sc, sig: int(unix.SIGKILL)}
	other := &match{pid: read.PID, start: read.StartTime, id: read.ProcessID + 1}
	if err := f.signalProcess(other); !errors.Is(err, unix.ESRCH) {
		t.Errorf("signalProcess of another identity: %v, want ESRCH", err)
	}
	if sig := s.fate(200 * time.Millisecond); sig != 0 {
		t.Fatalf("the sleeper ended (%v) though its identity did not match", sig)
	}
	same := &match{pid: read.PID, start: read.StartTime, id: read.ProcessID}
	if err := f.signalProcess(same); err != nil {
		t.Errorf("signalProcess of the process read: %v", err)
	}
	if sig := s.fate(5 * time.Second); sig != unix.SIGKILL {
		t.Errorf("the sleeper ended by %v, want SIGKILL", sig)
	}
}
