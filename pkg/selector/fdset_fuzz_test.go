//go:build linux

package selector

import "testing"

func FuzzParseFDSet(f *testing.F) {
	for _, s := range []string{"0-3", "^1,2", "cwd,txt", "fd", "1-", "a-3", "3,^4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var s FDSet
		if err := s.Parse(v); err == nil {
			for _, r := range s.ranges {
				if r.lo > r.hi {
					t.Errorf("%q: range %d-%d", v, r.lo, r.hi)
				}
			}
		}
	})
}
