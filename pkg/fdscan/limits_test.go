//go:build linux

package fdscan

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseFDLimit(t *testing.T) {
	tests := []struct {
		text       string
		soft, hard uint64
		ok         bool
	}{
		{"Limit                     Soft Limit           Hard Limit           Units     \n" +
			"Max cpu time              unlimited            unlimited            seconds   \n" +
			"Max open files            1024                 524288               files     \n", 1024, 524288, true},
		{"Max open files            unlimited            unlimited            files\n", Unlimited, Unlimited, true},
		{"Max processes             100                  100                  processes\n", 0, 0, false},
		{"Max open files            x                    2                    files\n", 0, 0, false},
	}
	for _, tt := range tests {
		soft, hard, ok := parseFDLimit([]byte(tt.text))
		if soft != tt.soft || hard != tt.hard || ok != tt.ok {
			t.Errorf("parseFDLimit(%q): want %d %d %v, got %d %d %v", tt.text, tt.soft, tt.hard, tt.ok, soft, hard, ok)
		}
	}
}

// TestFDLimitLive reads our own limit and compares it with getrlimit.
func TestFDLimitLive(t *testing.T) {
	s, err := New(Options{Root: "/proc"})
	if err != nil {
		t.Fatal(err)
	}
	me, err := s.Identity(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	var want unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &want); err != nil {
		t.Fatal(err)
	}
	soft, hard, err := s.FDLimit(os.Getpid(), me.StartTime)
	if err != nil || soft != want.Cur || hard != want.Max {
		t.Errorf("FDLimit(self): want %d %d, got %d %d %v", want.Cur, want.Max, soft, hard, err)
	}
	if _, _, err := s.FDLimit(os.Getpid(), me.StartTime+1); err == nil {
		t.Errorf("FDLimit with another start time: want an error, got none")
	}
}
