//go:build linux

package selector

import (
	"strings"
	"testing"
	"time"
)

func FuzzParseInet(f *testing.F) {
	for _, s := range []string{"", "4", "6TCP", "TCP@127.0.0.1:80", "UDP:53,1-100", "@[::1]:http-alt", "tcp:ssh",
		":", "@", "46", ":5-3", "@[::1", "6@127.0.0.1", ":,80"} {
		f.Add(s)
	}
	lookup := func(name, proto string) (int, bool) {
		if name == "http-alt" || name == "ssh" {
			return 8080, true
		}
		return 0, false
	}
	f.Fuzz(func(t *testing.T, arg string) {
		if strings.Contains(arg, "@") && !strings.Contains(arg, "@[") && !strings.Contains(arg, "@1") {
			return // host names would go to DNS
		}
		spec, err := ParseInet(arg, lookup, 10*time.Millisecond)
		if err == nil {
			for _, r := range spec.Ports {
				if r.Lo > r.Hi {
					t.Errorf("%q: range %d-%d", arg, r.Lo, r.Hi)
				}
			}
		}
	})
}
