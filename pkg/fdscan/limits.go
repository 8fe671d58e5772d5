//go:build linux

package fdscan

import (
	"bytes"
	"math"
	"strconv"
)

// Unlimited is a limit of RLIM_INFINITY.
const Unlimited = math.MaxUint64

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
