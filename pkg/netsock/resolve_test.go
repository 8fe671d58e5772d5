//go:build linux

package netsock

import "testing"

func TestInetAton(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" when it is not an address
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"010.1", "8.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"1.2.3.4.5", ""},
		{"256.1", ""},
		{"1.65536", "1.1.0.0"},
		{"1.16777216", ""},
		{"08", ""},
		{"1.", ""},
		{"", ""},
		{"a.b", ""},
		{"4294967296", ""},
	} {
		a, ok := InetAton(tc.in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tc.want {
			t.Errorf("InetAton(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
