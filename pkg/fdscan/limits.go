//go:build linux

package fdscan

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// Unlimited is a limit of RLIM_INFINITY.
const Unlimited = math.MaxUint64

// FDLimit returns the soft and hard limits on open descriptors
// (RLIMIT_NOFILE) of process pid, from its limits file, Unlimited for
// "unlimited". start is the process's start time as the scan read it:
// a process that took the PID since is not reported on, and the call
// fails as for one that is gone.
func (s *Scanner) FDLimit(pid int, start uint64) (soft, hard uint64, err error) {
	path := filepath.Join(s.root, strconv.Itoa(pid), "limits")
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, fmt.Errorf("read %s: %w", path, err)
	}
	// The file was read from the process holding the PID now: it must
	// still be the one scanned.
	if p, err := s.Identity(pid); err != nil || p.StartTime != start {
		return 0, 0, fmt.Errorf("read %s: process %d is not the one scanned", path, pid)
	}
	soft, hard, ok := parseFDLimit(b)
	if !ok {
		return 0, 0, fmt.Errorf("read %s: no Max open files line", path)
	}
	return soft, hard, nil
}

// parseFDLimit finds "Max open files  SOFT  HARD  files" in the text of
// a limits file.
func parseFDLimit(b []byte) (soft, hard uint64, ok bool) {
	const key = "Max open files"
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		rest, found := bytes.CutPrefix(line, []byte(key))
		if !found {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) < 2 {
			return 0, 0, false
		}
		var err1, err2 error
		soft, err1 = parseLimit(f[0])
		hard, err2 = parseLimit(f[1])
		if err1 != nil || err2 != nil {
			return 0, 0, false
		}
		return soft, hard, true
	}
	return 0, 0, false
}

func parseLimit(b []byte) (uint64, error) {
	if string(b) == "unlimited" {
		return Unlimited, nil
	}
	return strconv.ParseUint(string(b), 10, 64)
}
