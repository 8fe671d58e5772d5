//go:build linux

package selector

import (
	"math"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// fdRange is the descriptors lo to hi, both included.
type fdRange struct{ lo, hi int }

// FDSet is an lsof -d list: descriptor numbers, ranges and names (cwd,
// rtd, txt, mem, DEL, NOFD), all included or, with ^, all excluded.
type FDSet struct {
	Exclude bool // the list is of descriptors to leave out
	ranges  []fdRange
	names   []string
}

// Parse adds the items of a -d argument, as lsof reads them. Errors are
// SpecErrors, worded as lsof words them.
func (s *FDSet) Parse(v string) error {
	for _, item := range strings.Split(v, ",") {
		if item == "" {
			continue
		}
		excl := item[0] == '^'
		if excl {
			item = item[1:]
		}
		if item == "" {
			return SpecError("no file descriptor specified")
		}
		if len(s.ranges)+len(s.names) > 0 && excl != s.Exclude {
			if excl {
				return SpecError("exclude in an include -d list: ^" + item)
			}
			return SpecError("include in an exclude -d list: " + item)
		}
		s.Exclude = excl
		switch lo, hi, isRange := strings.Cut(item, "-"); {
		case item == "fd":
			s.ranges = append(s.ranges, fdRange{0, math.MaxInt32})
		case isRange:
			if lo == "" {
				return SpecError("illegal FD range for -d: " + item)
			}
			a, err := strconv.Atoi(lo)
			if err != nil {
				return SpecError("non-digit in -d FD range: " + item)
			}
			b, err := strconv.Atoi(hi)
			if err != nil && hi != "" {
				return SpecError("non-digit in -d FD range: " + item)
			}
			if hi == "" || a >= b {
				return SpecError("-d FD range's low >= its high: " + item)
			}
			s.ranges = append(s.ranges, fdRange{a, b})
		case item[0] >= '0' && item[0] <= '9':
			n, err := strconv.Atoi(item)
			if err != nil {
				return SpecError("non-digit in -d FD list: " + item)
			}
			s.ranges = append(s.ranges, fdRange{n, n})
		default:
			s.names = append(s.names, item)
		}
	}
	return nil
}

// Contains reports whether the list names file f.
func (s *FDSet) Contains(f *fdscan.File) bool {
	if f.Kind == fdscan.KindFD {
		for _, r := range s.ranges {
			if f.FD >= r.lo && f.FD <= r.hi {
				return true
			}
		}
	}
	name := kindNames[f.Kind]
	if f.Kind == fdscan.KindFD && f.FD >= 10000 {
		// lsof's FD column for these is * and the last three digits.
		name = "*" + strconv.Itoa(1000 + f.FD%1000)[1:]
	}
	for _, n := range s.names {
		if n == name && name != "" {
			return true
		}
	}
	return false
}

// kindNames are the FD column's names of the entries that are not
// descriptors, as -d names them.
var kindNames = map[fdscan.Kind]string{
	fdscan.KindCWD: "cwd", fdscan.KindRoot: "rtd", fdscan.KindText: "txt",
	fdscan.KindMem: "mem", fdscan.KindDel: "DEL", fdscan.KindNoFD: "NOFD",
}
