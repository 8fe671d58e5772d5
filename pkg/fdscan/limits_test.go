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

// TestFDLimitLive scans our own process and compares its limit with
// getrlimit; without Options.FDLimits no limit is read.
func TestFDLimitLive(t *testing.T) {
	var want unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &want); err != nil {
		t.Fatal(err)
	}
	for _, read := range []bool{true, false} {
		s, err := New(Options{Root: "/proc", FDLimits: read})
		if err != nil {
			t.Fatal(err)
		}
		var got uint64
		seen := false
		err = s.Scan([]int{os.Getpid()}, func(p *Process) error {
			if p.TID == 0 {
				got, seen = p.FDLimit, true
			}
			return nil
		})
		if err != nil || !seen {
			t.Fatalf("Scan(self): %v, process seen %v", err, seen)
		}
		if w := map[bool]uint64{true: want.Cur, false: 0}[read]; got != w {
			t.Errorf("FDLimits %v: FDLimit %d, want %d", read, got, w)
		}
	}
}
