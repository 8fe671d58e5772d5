//go:build linux

package selector

import (
	"net/netip"
	"testing"
	"time"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
)

func TestInetSpecMatch(t *testing.T) {
	services := func(name, proto string) (int, bool) { return 8080, name == "http-alt" }
	listener := &netsock.Socket{Proto: netsock.ProtoTCP, Local: netip.MustParseAddrPort("127.0.0.1:8080"), State: 10}
	client := &netsock.Socket{Proto: netsock.ProtoTCP, IPv6: true, Local: netip.MustParseAddrPort("[::1]:40000"), Remote: netip.MustParseAddrPort("[::1]:8080"), State: 1}
	dns := &netsock.Socket{Proto: netsock.ProtoUDP, Local: netip.MustParseAddrPort("0.0.0.0:53")}
	for _, tc := range []struct {
		arg  string
		want [3]bool // listener, client, dns
	}{
		{"", [3]bool{true, true, true}},
		{"4", [3]bool{true, false, true}},
		{"6TCP", [3]bool{false, true, false}},
		{":http-alt", [3]bool{true, true, false}},
		{"TCP@127.0.0.1:8080", [3]bool{true, false, false}},
		{"@[::1]:8080", [3]bool{false, true, false}},
		{"UDP:1-100", [3]bool{false, false, true}},
		{"@127.1", [3]bool{true, false, false}},
	} {
		sp, err := ParseInet(tc.arg, services, time.Millisecond)
		if err != nil {
			t.Errorf("ParseInet(%q): %v", tc.arg, err)
			continue
		}
		for i, s := range []*netsock.Socket{listener, client, dns} {
			if got := sp.Match(s); got != tc.want[i] {
				t.Errorf("-i %q on socket %d: %v, want %v", tc.arg, i, got, tc.want[i])
			}
		}
	}
	for _, arg := range []string{"TCP:5-3", "7", "SCTP", "@[::1", ":nosuchservice"} {
		if _, err := ParseInet(arg, services, time.Millisecond); err == nil {
			t.Errorf("ParseInet(%q): no error", arg)
		} else if _, ok := err.(SpecError); !ok {
			t.Errorf("ParseInet(%q): %T, want a SpecError", arg, err)
		}
	}
}

func TestStateFilter(t *testing.T) {
	var f StateFilter
	if err := f.Parse("TCP:LISTEN,ESTABLISHED"); err != nil {
		t.Fatal(err)
	}
	listen := &netsock.Socket{Proto: netsock.ProtoTCP, State: 10}
	closing := &netsock.Socket{Proto: netsock.ProtoTCP, State: 11}
	if !f.Pass(listen) || f.Pass(closing) {
		t.Errorf("TCP:LISTEN,ESTABLISHED: LISTEN passes %v, CLOSING %v", f.Pass(listen), f.Pass(closing))
	}
	if got := f.Unseen(); len(got) != 1 || got[0] != "ESTABLISHED" {
		t.Errorf("Unseen() = %q, want [ESTABLISHED]", got)
	}
	var g StateFilter
	if err := g.Parse("TCP:LISTEN,^LISTEN"); err == nil {
		t.Error("including and excluding one state: no error")
	}
}

func TestFDSet(t *testing.T) {
	files := []fdscan.File{{Kind: fdscan.KindCWD}, {Kind: fdscan.KindFD, FD: 4}, {Kind: fdscan.KindFD, FD: 10042}, {Kind: fdscan.KindMem}}
	for _, tc := range []struct {
		arg     string
		want    [4]bool
		exclude bool
	}{
		{"cwd,3-5", [4]bool{true, true, false, false}, false},
		{"^mem", [4]bool{false, false, false, true}, true},
		{"fd", [4]bool{false, true, true, false}, false},
		{"*042", [4]bool{false, false, true, false}, false},
	} {
		var s FDSet
		if err := s.Parse(tc.arg); err != nil {
			t.Fatalf("-d %s: %v", tc.arg, err)
		}
		for i := range files {
			if got := s.Contains(&files[i]); got != tc.want[i] || s.Exclude != tc.exclude {
				t.Errorf("-d %s, file %d: contains %v exclude %v; want %v %v", tc.arg, i, got, s.Exclude, tc.want[i], tc.exclude)
			}
		}
	}
	for _, bad := range []string{"5-3", "1,^2", "x-3", "^"} {
		var s FDSet
		if err := s.Parse(bad); err == nil {
			t.Errorf("-d %s: no error", bad)
		}
	}
}
