//go:build linux

package join

import (
	"net/netip"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/fdscantest"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// The basic fixture's process 100 has TCP socket 6001 in the tables of
// its network namespace.
const fixtureRoot = "../../testdata/proc/basic"

func fixtureJoiner() *Joiner {
	return &Joiner{
		Sockets: netsock.NewResolver(fixtureRoot),
		Users:   fdscan.Users{1000: "alice"},
		Names: &netsock.Namer{HostsFile: fixtureRoot + ".hosts", ServicesFile: fixtureRoot + ".services",
			Timeout: 0},
	}
}

func sock(inode uint64) *fdscan.File {
	return &fdscan.File{Kind: fdscan.KindFD, FD: 3, Type: fdscan.TypeSock, Inode: inode}
}

func TestJoin(t *testing.T) {
	p := &fdscan.Process{PID: 100, Dir: "100", UID: 1000, NetNS: 4026531840}
	asked := 0
	protocols := func(*fdscan.Process, *fdscan.File) string { asked++; return "UNIX-STREAM" }
	for _, tc := range []struct {
		desc      string
		p         *fdscan.Process
		f         *fdscan.File
		skip      bool
		wantInode uint64 // of the socket joined; 0 for none
		wantProto string
		wantNote  string
		wantAsked int
	}{
		{"socket in the tables", p, sock(6001), false, 6001, "", "", 0},
		{"socket in no table", p, sock(999999), false, 0, "UNIX-STREAM", "", 1},
		{"no namespace known", &fdscan.Process{PID: 100, Dir: "100"}, sock(6001), false, 0, "UNIX-STREAM", "", 1},
		{"-X leaves TCP out", p, sock(6001), true, 0, "", "-X specified", 0},
		{"-X, socket in no table", p, sock(999999), true, 0, "", "-X specified", 0},
		{"no socket", p, &fdscan.File{Kind: fdscan.KindFD, FD: 1, Type: fdscan.TypeReg, Inode: 6001}, false, 0, "", "", 0},
	} {
		asked = 0
		j := fixtureJoiner()
		j.Protocols = protocols
		if tc.skip {
			j.Skip = func(s *netsock.Socket) bool { return s.Proto == netsock.ProtoTCP }
			j.SkipNote = "-X specified"
		}
		var s netsock.Socket
		e := j.Join(tc.p, tc.f, &s)
		var inode uint64
		if e.Socket != nil {
			inode = e.Socket.Inode
			if e.Socket != &s {
				t.Errorf("%s: the entry's socket is not the one handed in", tc.desc)
			}
		}
		if inode != tc.wantInode || e.Protocol != tc.wantProto || e.Note != tc.wantNote || asked != tc.wantAsked {
			t.Errorf("%s: socket %d, protocol %q, note %q, asked %d; want %d, %q, %q, %d",
				tc.desc, inode, e.Protocol, e.Note, asked, tc.wantInode, tc.wantProto, tc.wantNote, tc.wantAsked)
		}
		if e.Process != tc.p || e.File != tc.f {
			t.Errorf("%s: the entry does not hold the process and file joined", tc.desc)
		}
		if e.User != "" {
			t.Errorf("%s: Join named the user (%q): naming is Name's", tc.desc, e.User)
		}
	}
}

func TestName(t *testing.T) {
	p := &fdscan.Process{PID: 100, Dir: "100", UID: 1000, NetNS: 4026531840}
	for _, tc := range []struct {
		desc          string
		p             *fdscan.Process
		s             *netsock.Socket
		noHosts       bool
		raw           bool
		local, remote Names
		user          string
	}{
		{"TCP, both ends named", p, &netsock.Socket{Proto: netsock.ProtoTCP, Local: ap("127.0.0.1:8080"), Remote: ap("127.0.0.1:22")},
			false, false, Names{"localhost", "http-alt"}, Names{"localhost", "ssh"}, "alice"},
		{"mapped address named as IPv4", p, &netsock.Socket{Proto: netsock.ProtoTCP, IPv6: true, Local: ap("[::ffff:127.0.0.1]:443")},
			false, false, Names{"localhost", "https"}, Names{}, "alice"},
		{"unnamed host and port", p, &netsock.Socket{Proto: netsock.ProtoUDP, Local: ap("10.1.2.3:40000")},
			false, false, Names{}, Names{}, "alice"},
		{"unspecified address, port 0", p, &netsock.Socket{Proto: netsock.ProtoUDP, Local: ap("0.0.0.0:0")},
			false, false, Names{}, Names{}, "alice"},
		{"UDP service is UDP's", p, &netsock.Socket{Proto: netsock.ProtoUDP, Local: ap("127.0.0.1:514")},
			false, false, Names{"localhost", "syslog"}, Names{}, "alice"},
		{"TCP has no syslog", p, &netsock.Socket{Proto: netsock.ProtoTCP, Local: ap("127.0.0.1:514")},
			false, false, Names{"localhost", ""}, Names{}, "alice"},
		{"-n", p, &netsock.Socket{Proto: netsock.ProtoTCP, Local: ap("127.0.0.1:8080")},
			true, false, Names{"", "http-alt"}, Names{}, "alice"},
		{"raw ends are the table's text", p, &netsock.Socket{Proto: netsock.ProtoRaw, Local: ap("127.0.0.1:1")},
			false, false, Names{}, Names{}, "alice"},
		{"raw ends named for JSON", p, &netsock.Socket{Proto: netsock.ProtoRaw, Local: ap("127.0.0.1:1")},
			false, true, Names{"localhost", ""}, Names{}, "alice"},
		{"unknown user", &fdscan.Process{PID: 7, UID: 4242}, nil, false, false, Names{}, Names{}, ""},
	} {
		j := fixtureJoiner()
		j.Names.NoHosts, j.RawHosts = tc.noHosts, tc.raw
		e := Entry{Process: tc.p, File: sock(1), Socket: tc.s}
		j.Name(&e)
		if e.Local != tc.local || e.Remote != tc.remote || e.User != tc.user {
			t.Errorf("%s: local %+v, remote %+v, user %q; want %+v, %+v, %q", tc.desc, e.Local, e.Remote, e.User, tc.local, tc.remote, tc.user)
		}
	}
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// TestWantedSockets selects, as a scan of the basic fixture starts, the
// TCP sockets in the LISTEN state of its processes' namespaces: those
// with state 0A in 100/net/tcp and tcp6.
func TestWantedSockets(t *testing.T) {
	k, err := fdscantest.Load(fixtureRoot)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := fdscan.New(k.Options())
	if err != nil {
		t.Fatal(err)
	}
	pids, err := sc.PIDs()
	if err != nil {
		t.Fatal(err)
	}
	r := netsock.NewResolver(fixtureRoot)
	wanted := WantedSockets(sc, r, pids, func(s *netsock.Socket) bool {
		return s.Proto == netsock.ProtoTCP && s.State == 10
	})
	for ino, want := range map[uint64]bool{6000: true, 6100: true, 6200: true, 6001: false, 999999: false} {
		if got := wanted(ino); got != want {
			t.Errorf("wanted(%d) = %v, want %v", ino, got, want)
		}
	}
	if ns, _ := r.Counts(); ns != 1 {
		t.Errorf("namespaces' tables read: %d, want 1", ns)
	}
}
