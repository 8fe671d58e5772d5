//go:build linux

package netsock

import (
	"net/netip"
	"testing"
)

// TestTablesKeepSockets adds sockets of every kind, more than a chunk of
// each, in the order of the tables, and some of inodes past 32 bits:
// Lookup gives each back as it was added, Each gives them all in that
// order, and a second socket of an inode is left out.
func TestTablesKeepSockets(t *testing.T) {
	var added []Socket
	ino := uint64(1000)
	add := func(s Socket) {
		ino++
		s.Inode = ino
		added = append(added, s)
	}
	for i := range chunkLen + 3 {
		port := uint16(i)
		add(Socket{Proto: ProtoTCP, State: 10, TxQueue: 1, RxQueue: 0xffffffff,
			Local: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port), Remote: netip.MustParseAddrPort("10.0.0.1:80")})
		add(Socket{Proto: ProtoUDP, IPv6: true, State: 7,
			Local: netip.AddrPortFrom(netip.MustParseAddr("::ffff:127.0.0.1"), port), Remote: netip.MustParseAddrPort("[fe80::1]:0")})
	}
	add(Socket{Proto: ProtoRaw, IPv6: true, State: 7, Local: netip.MustParseAddrPort("[::]:58"), Remote: netip.MustParseAddrPort("[::]:0")})
	add(Socket{Proto: ProtoICMP, State: 7, Local: netip.MustParseAddrPort("127.0.0.1:3"), Remote: netip.MustParseAddrPort("0.0.0.0:0")})
	for i := range chunkLen + 3 {
		add(Socket{Proto: ProtoUnix, Addr: uint64(i) << 32, addrDigits: 16, Type: 1, Flags: 0x10000, State: 1,
			Path: "/run/s.sock", Checked: true, BoundDev: 0xfe00001, BoundIno: 0xffffffff, Peer: uint64(i), Pending: 42})
	}
	ino = 1<<32 - 2 // past 32 bits, which no kernel gives now
	add(Socket{Proto: ProtoUnix, Type: 2})
	add(Socket{Proto: ProtoUnix, Type: 2})
	add(Socket{Proto: ProtoUnix, Type: 2})
	add(Socket{Proto: ProtoNetlink, Family: 9})
	add(Socket{Proto: ProtoPacket, Type: 3, Family: 0x0003})

	tb := newTables()
	for i := range added {
		s := added[i]
		tb.addSocket(&s)
	}
	for _, i := range []int{0, len(added) - 3} {
		dup := Socket{Inode: added[i].Inode, Proto: ProtoNetlink}
		tb.addSocket(&dup)
	}
	for _, want := range added {
		if got, ok := tb.Lookup(want.Inode); !ok || got != want {
			t.Fatalf("Lookup(%d) = %+v, %v; want %+v", want.Inode, got, ok, want)
		}
	}
	i := 0
	tb.Each(func(s *Socket) {
		if i < len(added) && *s != added[i] {
			t.Fatalf("Each's socket %d is %+v, want %+v", i, *s, added[i])
		}
		i++
	})
	if i != len(added) {
		t.Errorf("Each gave %d sockets, want %d", i, len(added))
	}
}
