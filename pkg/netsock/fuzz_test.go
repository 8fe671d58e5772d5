//go:build linux

package netsock

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
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
			if err != nil {
				continue
			}
			if s.Local.Addr().Is6() != v6 || s.Remote.Addr().Is6() != v6 {
				t.Errorf("%q parsed with the wrong family: %+v", line, s)
			}
			// The addresses' text is given back as the line has it.
			f := fields(line, 3, nil)
			if got := s.LocalText() + " " + s.RemoteText(); got != string(f[1])+" "+string(f[2]) {
				t.Errorf("%q: addresses given back as %q", line, got)
			}
		}
	})
}

func FuzzParseUnixLine(f *testing.F) {
	seedTable(f, "unix")
	f.Fuzz(func(t *testing.T, line []byte) {
		s, err := parseUnixLine(line)
		if err != nil {
			return
		}
		if !strings.Contains(string(line), s.Path) {
			t.Errorf("path %q is not in %q", s.Path, line)
		}
		// Num is given back as the line has it.
		if num, _, _ := strings.Cut(strings.TrimLeft(string(line), " \t"), ":"); s.AddrText() != num {
			t.Errorf("%q: Num given back as %q", line, s.AddrText())
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

// diagDatagram builds a sock_diag reply holding one inet_diag_msg and
// the dump's end.
func diagDatagram(msg []byte) []byte {
	ne := binary.NativeEndian
	var b []byte
	for _, m := range []struct {
		typ  uint16
		body []byte
	}{{unix.SOCK_DIAG_BY_FAMILY, msg}, {unix.NLMSG_DONE, make([]byte, 4)}} {
		h := make([]byte, unix.SizeofNlMsghdr)
		ne.PutUint32(h[0:], uint32(len(h)+len(m.body)))
		ne.PutUint16(h[4:], m.typ)
		b = append(append(b, h...), m.body...)
	}
	return b
}

func FuzzDiagMessages(f *testing.F) {
	msg := make([]byte, sizeofInetDiagMsg)
	msg[0], msg[1] = unix.AF_INET, 7
	copy(msg[4:], []byte{0x30, 0x39, 0, 0, 127, 0, 0, 1})
	binary.NativeEndian.PutUint32(msg[68:], 4242)
	f.Add(diagDatagram(msg), false)
	f.Add(diagDatagram(msg)[:40], true)
	f.Fuzz(func(t *testing.T, b []byte, v6 bool) {
		_, _ = diagMessages(b, sizeofInetDiagMsg, func(m []byte) {
			s := diagSocket(m, ProtoUDP, v6)
			if s.Inode == 0 {
				return
			}
			// The text must say what the address says, as /proc's would.
			for _, a := range []struct {
				text string
				ap   netip.AddrPort
			}{{s.LocalText(), s.Local}, {s.RemoteText(), s.Remote}} {
				back, err := parseInetAddr([]byte(a.text), v6)
				if err != nil || back != a.ap {
					t.Errorf("%q reads back as %v (%v), want %v", a.text, back, err, a.ap)
				}
			}
		})
	})
}
