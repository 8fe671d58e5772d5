//go:build linux

package netsock

import (
	"net/netip"
	"sync"
	"testing"
)

const fixtureNet = "../../testdata/proc/basic/100/net"

func TestReadTables(t *testing.T) {
	tb, err := readTables(fixtureNet, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Files != 8 {
		t.Errorf("read %d table files, want 8 (tcp tcp6 udp udp6 raw unix netlink packet)", tb.Files)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	for _, tc := range []struct {
		inode uint64
		want  Socket
	}{
		{6000, Socket{Proto: ProtoTCP, State: 0x0A, Local: netip.AddrPortFrom(lo, 8080), Remote: netip.AddrPortFrom(lo, 40000)}},
		{6200, Socket{Proto: ProtoTCP, IPv6: true, State: 0x0A, Local: netip.AddrPortFrom(netip.IPv6Unspecified(), 8080),
			Remote: netip.AddrPortFrom(netip.IPv6Unspecified(), 0)}},
		{6201, Socket{Proto: ProtoTCP, IPv6: true, State: 1, Local: netip.MustParseAddrPort("[::ffff:127.0.0.1]:8080"),
			Remote: netip.MustParseAddrPort("[::ffff:127.0.0.1]:54321")}},
		{6202, Socket{Proto: ProtoTCP, IPv6: true, State: 1, Local: netip.MustParseAddrPort("[::1]:443"),
			Remote: netip.MustParseAddrPort("[::1]:40960")}},
		{6301, Socket{Proto: ProtoUDP, State: 1, Local: netip.AddrPortFrom(lo, 49152), Remote: netip.AddrPortFrom(lo, 53)}},
		{6600, Socket{Proto: ProtoUnix, Addr: 1, addrDigits: 16, Flags: 0x10000, Type: 1, State: 1, Path: "/run/server.sock"}},
		{6602, Socket{Proto: ProtoUnix, Addr: 0xb3, addrDigits: 16, Flags: 0x10000, Type: 5, State: 1, Path: "@server-abstract"}},
		{6603, Socket{Proto: ProtoUnix, Addr: 0xc4, addrDigits: 16, Type: 2, State: 1, Path: "/run/with space.sock"}},
		{6604, Socket{Proto: ProtoUnix, Addr: 0xd5, addrDigits: 16, Type: 1, State: 3}},
		{6709, Socket{Proto: ProtoNetlink, Family: 9}},
		{6801, Socket{Proto: ProtoPacket, Type: 2, Family: 0x0800}},
	} {
		got, ok := tb.Lookup(tc.inode)
		tc.want.Inode = tc.inode
		if !ok || got != tc.want {
			t.Errorf("Lookup(%d) = %+v, %v; want %+v", tc.inode, got, ok, tc.want)
		}
	}
	// Every TCP state the fixture holds, 01 to 0B, parses.
	for i := uint64(0); i < 11; i++ {
		if s, ok := tb.Lookup(6000 + i); !ok || s.Proto != ProtoTCP {
			t.Errorf("TCP socket %d missing", 6000+i)
		}
	}
}

func TestParseInetLine(t *testing.T) {
	s, err := parseInetLine([]byte(" 246: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 40505 2 0000000043af5011 0"), ProtoRaw, false)
	if err != nil || s.LocalText() != "00000000:0001" || s.RemoteText() != "00000000:0000" || s.State != 7 || s.Inode != 40505 {
		t.Errorf("parseInetLine = %+v, %v", s, err)
	}
	for _, bad := range []string{
		"", "0: 0100007F:1F90", "0: 0100007F 0100007F:0000 0A 0:0 0:0 0 0 0 1",
		"0: 0100007F:XYZ 0100007F:0000 0A 0:0 0:0 0 0 0 1", "0: 0100007F:0050 0100007F:0000 ZZ 0:0 0:0 0 0 0 1",
		"0: 7F:0050 0100007F:0000 0A 0:0 0:0 0 0 0 1",
	} {
		if _, err := parseInetLine([]byte(bad), ProtoTCP, false); err == nil {
			t.Errorf("parseInetLine(%q) accepted it", bad)
		}
	}
}

func TestResolverReadsOncePerNamespace(t *testing.T) {
	r := NewResolver("../../testdata/proc/basic")
	for i := 0; i < 3; i++ {
		for _, ino := range []uint64{6000, 6600, 9999} {
			r.Lookup(4026531840, 100, ino)
		}
	}
	if _, ok := r.Lookup(4026531840, 100, 6700); !ok {
		t.Error("netlink socket 6700 not found")
	}
	if r.Reads != 1 || r.Files != 8 {
		t.Errorf("read %d namespaces and %d files, want 1 and 8", r.Reads, r.Files)
	}
	// A namespace whose member cannot be read is tried again with another.
	if _, ok := r.Lookup(1, 4711, 6000); ok {
		t.Error("found a socket through a process that does not exist")
	}
	if _, ok := r.Lookup(1, 100, 6000); !ok || r.Reads != 2 {
		t.Errorf("second member not used: reads %d", r.Reads)
	}
}

// TestResolverPrefetch checks that tables being read in the background
// are waited for, not read twice, and that a failed prefetch leaves the
// namespace to the next member asked about.
func TestResolverPrefetch(t *testing.T) {
	r := NewResolver("../../testdata/proc/basic")
	r.Prefetch(4026531840, 100)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := r.Lookup(4026531840, 100, 6000); !ok {
				t.Error("socket 6000 not found after a prefetch")
			}
		}()
	}
	wg.Wait()
	if n, files := r.Counts(); n != 1 || files != 8 {
		t.Errorf("read %d namespaces and %d files, want 1 and 8", n, files)
	}
	r.Prefetch(1, 4711) // no such process
	if _, ok := r.Lookup(1, 100, 6000); !ok {
		t.Error("namespace not read from its next member after a failed prefetch")
	}
	if n, _ := r.Counts(); n != 2 {
		t.Errorf("read %d namespaces, want 2", n)
	}
}
