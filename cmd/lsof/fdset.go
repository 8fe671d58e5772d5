package main

import (
	"math"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/render"
)

// fdRange is the descriptors lo to hi, both included.
type fdRange struct{ lo, hi int }

// fdSet is a -d list: descriptor numbers, ranges and names (cwd, txt,
// mem, ...), all included or, with ^, all excluded.
type fdSet struct {
	exclude bool
	ranges  []fdRange
	names   []string
}

func (s *fdSet) parse(v string) error {
	for _, item := range strings.Split(v, ",") {
		if item == "" {
			continue
		}
		excl := item[0] == '^'
		if excl {
			item = item[1:]
		}
		if item == "" {
			return usageError("no file descriptor specified")
		}
		if len(s.ranges)+len(s.names) > 0 && excl != s.exclude {
			if excl {
				return usageError("exclude in an include -d list: ^" + item)
			}
			return usageError("include in an exclude -d list: " + item)
		}
		s.exclude = excl
		switch lo, hi, isRange := strings.Cut(item, "-"); {
		case item == "fd":
			s.ranges = append(s.ranges, fdRange{0, math.MaxInt32})
		case isRange:
			if lo == "" {
				return usageError("illegal FD range for -d: " + item)
			}
			a, err := strconv.Atoi(lo)
			if err != nil {
				return usageError("non-digit in -d FD range: " + item)
			}
			b, err := strconv.Atoi(hi)
			if err != nil && hi != "" {
				return usageError("non-digit in -d FD range: " + item)
			}
			if hi == "" || a >= b {
				return usageError("-d FD range's low >= its high: " + item)
			}
			s.ranges = append(s.ranges, fdRange{a, b})
		case item[0] >= '0' && item[0] <= '9':
			n, err := strconv.Atoi(item)
			if err != nil {
				return usageError("non-digit in -d FD list: " + item)
			}
			s.ranges = append(s.ranges, fdRange{n, n})
		default:
			s.names = append(s.names, item)
		}
	}
	return nil
}

// contains reports whether the list names file f.
func (s *fdSet) contains(f *fdscan.File) bool {
	if f.Kind == fdscan.KindFD {
		for _, r := range s.ranges {
			if f.FD >= r.lo && f.FD <= r.hi {
				return true
			}
		}
	}
	fd := render.FD(f)
	for _, n := range s.names {
		if n == fd {
			return true
		}
	}
	return false
}
