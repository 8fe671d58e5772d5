package netsock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func seedTable(f *testing.F, name string) {
	b, err := os.ReadFile(filepath.Join(fixtureNet, name))
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f.Add([]byte(l))
	}
}

func FuzzParseInetLine(f *testing.F) {
	for _, n := range []string{"tcp", "tcp6", "udp", "udp6", "raw"} {
		seedTable(f, n)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, v6 := range []bool{false, true} {
			s, err := parseInetLine(line, ProtoTCP, v6)
			if err == nil && (s.Local.Addr().Is6() != v6 || s.Remote.Addr().Is6() != v6) {
				t.Errorf("%q parsed with the wrong family: %+v", line, s)
			}
		}
	})
}

func FuzzParseUnixLine(f *testing.F) {
	seedTable(f, "unix")
	f.Fuzz(func(t *testing.T, line []byte) {
		s, err := parseUnixLine(line)
		if err == nil && !strings.Contains(string(line), s.Path) {
			t.Errorf("path %q is not in %q", s.Path, line)
		}
	})
}

func FuzzParseNetlinkLine(f *testing.F) {
	seedTable(f, "netlink")
	f.Fuzz(func(t *testing.T, line []byte) {
		if s, err := parseNetlinkLine(line); err == nil && s.Proto != ProtoNetlink {
			t.Errorf("%q: %+v", line, s)
		}
	})
}

func FuzzParsePacketLine(f *testing.F) {
	seedTable(f, "packet")
	f.Fuzz(func(t *testing.T, line []byte) {
		if s, err := parsePacketLine(line); err == nil && s.Proto != ProtoPacket {
			t.Errorf("%q: %+v", line, s)
		}
	})
}
