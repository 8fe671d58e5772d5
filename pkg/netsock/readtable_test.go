//go:build linux

package netsock

import (
	"errors"
	"io/fs"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
)

// TestReadTable walks single tables of the fixture in line order and
// finds the same sockets readTables indexes.
func TestReadTable(t *testing.T) {
	all, err := readTables(fixtureNet, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file  string
		proto Proto
		v6    bool
		first []uint64 // the first inodes, in line order
	}{
		{"tcp", ProtoTCP, false, []uint64{6000, 6001, 6002}},
		{"tcp6", ProtoTCP, true, []uint64{6200, 6201, 6202}},
		{"udp", ProtoUDP, false, []uint64{6300, 6301}},
		{"unix", ProtoUnix, false, []uint64{6600, 6601, 6602}},
		{"netlink", ProtoNetlink, false, []uint64{6700}},
		{"packet", ProtoPacket, false, []uint64{6800, 6801}},
	} {
		var got []uint64
		err := ReadTable(filepath.Join(fixtureNet, tc.file), tc.proto, tc.v6, func(s *Socket) {
			want, ok := all.Lookup(s.Inode)
			if !ok || *s != want {
				t.Errorf("%s: socket %d = %+v, readTables has %+v", tc.file, s.Inode, *s, want)
			}
			got = append(got, s.Inode)
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if len(got) < len(tc.first) || !slices.Equal(got[:len(tc.first)], tc.first) {
			t.Errorf("%s: inodes %v, want them to start with %v", tc.file, got, tc.first)
		}
	}
	var listen []netip.AddrPort
	_ = ReadTable(filepath.Join(fixtureNet, "tcp"), ProtoTCP, false, func(s *Socket) {
		if s.State == 0x0A {
			listen = append(listen, s.Local)
		}
	})
	if want := netip.MustParseAddrPort("127.0.0.1:8080"); len(listen) == 0 || listen[0] != want {
		t.Errorf("listening TCP sockets %v, want %v first", listen, want)
	}
	if err := ReadTable(filepath.Join(fixtureNet, "sctp"), ProtoTCP, false, func(*Socket) {}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadTable of a missing table: %v, want not exist", err)
	}
}
