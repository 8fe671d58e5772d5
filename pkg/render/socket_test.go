//go:build linux

package render

import (
	"net/netip"
	"testing"

	"github.com/openfiles/openfiles/pkg/netsock"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// sockholder's sockets as the tables listed them, with the descriptors
// that held them.
var sockholderSockets = []struct {
	fd   int
	sock netsock.Socket
}{
	{5, netsock.Socket{Inode: 198957, Proto: netsock.ProtoTCP, Local: ap("127.0.0.1:43749"), Remote: ap("0.0.0.0:0"), State: 10}},
	{6, netsock.Socket{Inode: 198959, Proto: netsock.ProtoTCP, Local: ap("127.0.0.1:51394"), Remote: ap("127.0.0.1:43749"), State: 1}},
	{11, netsock.Socket{Inode: 198961, Proto: netsock.ProtoTCP, Local: ap("0.0.0.0:38839"), Remote: ap("0.0.0.0:0"), State: 10}},
	{12, netsock.Socket{Inode: 198963, Proto: netsock.ProtoTCP, IPv6: true, Local: ap("[::1]:37999"), Remote: ap("[::]:0"), State: 10}},
	{13, netsock.Socket{Inode: 198965, Proto: netsock.ProtoTCP, IPv6: true, Local: ap("[::1]:35794"), Remote: ap("[::1]:37999"), State: 1}},
	{15, netsock.Socket{Inode: 198967, Proto: netsock.ProtoTCP, IPv6: true, Local: ap("[::]:34527"), Remote: ap("[::]:0"), State: 10}},
	// Accepted by a dual-stack listener: IPv4-mapped addresses in tcp6.
	{18, netsock.Socket{Inode: 198972, Proto: netsock.ProtoTCP, IPv6: true, Local: ap("[::ffff:127.0.0.1]:41597"), Remote: ap("[::ffff:127.0.0.1]:58022"), State: 1}},
	{19, netsock.Socket{Inode: 198973, Proto: netsock.ProtoTCP, Local: ap("127.0.0.1:8080"), Remote: ap("0.0.0.0:0"), State: 10}},
	{20, netsock.Socket{Inode: 198975, Proto: netsock.ProtoUDP, Local: ap("127.0.0.1:58306"), Remote: ap("0.0.0.0:0"), State: 7}},
	{21, netsock.Socket{Inode: 198976, Proto: netsock.ProtoUDP, Local: ap("127.0.0.1:57978"), Remote: ap("127.0.0.1:58306"), State: 1, TxQueue: 3, RxQueue: 5}},
	{22, netsock.Socket{Inode: 198977, Proto: netsock.ProtoUDP, IPv6: true, Local: ap("[::1]:34692"), Remote: ap("[::]:0"), State: 7}},
	{24, netsock.Socket{Inode: 198979, Proto: netsock.ProtoUDP, Local: ap("0.0.0.0:34413"), Remote: ap("0.0.0.0:0"), State: 7}},
	// 00000000e49b807a: 00000002 00000000 00010000 0001 01 198980 /tmp/rt14/s/stream.sock
	{25, netsock.Socket{Inode: 198980, Proto: netsock.ProtoUnix, Addr: 0xe49b807a, Type: 1, Flags: 0x10000, State: 1, Path: "/tmp/rt14/s/stream.sock"}},
	{26, netsock.Socket{Inode: 198981, Proto: netsock.ProtoUnix, Addr: 0xc5205e32, Type: 1, State: 3}},
	{28, netsock.Socket{Inode: 198983, Proto: netsock.ProtoUnix, Addr: 0xd2108f9f, Type: 2, State: 1, Path: "/tmp/rt14/s/dgram.sock"}},
	{29, netsock.Socket{Inode: 198984, Proto: netsock.ProtoUnix, Addr: 0x988ac7a5, Type: 5, Flags: 0x10000, State: 1, Path: "/tmp/rt14/s/seqpacket.sock"}},
	{30, netsock.Socket{Inode: 198985, Proto: netsock.ProtoUnix, Addr: 0xb43d3c83, Type: 1, Flags: 0x10000, State: 1, Path: "@sockholder-17832"}},
	{33, netsock.Socket{Inode: 198988, Proto: netsock.ProtoNetlink, Family: 0}},
	// 128: 00000000:0001 00000000:0000 07 ...
	{34, netsock.Socket{Inode: 198989, Proto: netsock.ProtoRaw, Local: ap("0.0.0.0:1"), Remote: ap("0.0.0.0:0"), State: 7}},
	{35, netsock.Socket{Inode: 198990, Proto: netsock.ProtoRaw, IPv6: true, Local: ap("[::]:58"), Remote: ap("[::]:0"), State: 7}},
	// 0000000069e5b97d 3      3    0003   0     1 213010 0      198991
	{36, netsock.Socket{Inode: 198991, Proto: netsock.ProtoPacket, Type: 3, Family: 0x0003}},
}

func sockholderSocket(t *testing.T, fd int) *netsock.Socket {
	t.Helper()
	for i := range sockholderSockets {
		if sockholderSockets[i].fd == fd {
			return &sockholderSockets[i].sock
		}
	}
	t.Fatalf("sockholder has no socket on fd %d", fd)
	return nil
}

// TestSocketColumns checks TYPE, DEVICE, NODE and NAME of each of
// sockholder's sockets against lsof 4.95's rows, with names (lsof) and
// without (lsof -n -P).
func TestSocketColumns(t *testing.T) {
	named := fixtureNamer(t)
	for _, tc := range []struct {
		fd                       int
		typ, device, node        string
		name, numericName, proto string
	}{
		{5, "IPv4", "198957", "TCP", "localhost:43749 (LISTEN)", "127.0.0.1:43749 (LISTEN)", "TCP"},
		{6, "IPv4", "198959", "TCP", "localhost:51394->localhost:43749 (ESTABLISHED)", "127.0.0.1:51394->127.0.0.1:43749 (ESTABLISHED)", "TCP"},
		{11, "IPv4", "198961", "TCP", "*:38839 (LISTEN)", "*:38839 (LISTEN)", "TCP"},
		{12, "IPv6", "198963", "TCP", "[::1]:37999 (LISTEN)", "[::1]:37999 (LISTEN)", "TCP"},
		{13, "IPv6", "198965", "TCP", "[::1]:35794->[::1]:37999 (ESTABLISHED)", "[::1]:35794->[::1]:37999 (ESTABLISHED)", "TCP"},
		{15, "IPv6", "198967", "TCP", "*:34527 (LISTEN)", "*:34527 (LISTEN)", "TCP"},
		{18, "IPv6", "198972", "TCP", "localhost:41597->localhost:58022 (ESTABLISHED)", "127.0.0.1:41597->127.0.0.1:58022 (ESTABLISHED)", "TCP"},
		{19, "IPv4", "198973", "TCP", "localhost:http-alt (LISTEN)", "127.0.0.1:8080 (LISTEN)", "TCP"},
		// UDP names end in a blank.
		{20, "IPv4", "198975", "UDP", "localhost:58306 ", "127.0.0.1:58306 ", "UDP"},
		{21, "IPv4", "198976", "UDP", "localhost:57978->localhost:58306 ", "127.0.0.1:57978->127.0.0.1:58306 ", "UDP"},
		{22, "IPv6", "198977", "UDP", "[::1]:34692 ", "[::1]:34692 ", "UDP"},
		{24, "IPv4", "198979", "UDP", "*:34413 ", "*:34413 ", "UDP"},
		{25, "unix", "0x00000000e49b807a", "198980", "/tmp/rt14/s/stream.sock type=STREAM (LISTEN)", "", ""},
		{26, "unix", "0x00000000c5205e32", "198981", "type=STREAM (CONNECTED)", "", ""},
		{28, "unix", "0x00000000d2108f9f", "198983", "/tmp/rt14/s/dgram.sock type=DGRAM (UNCONNECTED)", "", ""},
		{29, "unix", "0x00000000988ac7a5", "198984", "/tmp/rt14/s/seqpacket.sock type=SEQPACKET (LISTEN)", "", ""},
		{30, "unix", "0x00000000b43d3c83", "198985", "@sockholder-17832 type=STREAM (LISTEN)", "", ""},
		{33, "netlink", "", "198988", "ROUTE", "", ""},
		{34, "raw", "", "198989", "00000000:0001->00000000:0000 st=07", "", ""},
		{35, "raw6", "", "198990", "00000000000000000000000000000000:003A->00000000000000000000000000000000:0000 st=07", "", ""},
		{36, "pack", "198991", "ALL", "type=SOCK_RAW", "", "ALL"},
	} {
		s := sockholderSocket(t, tc.fd)
		c := SocketColumns(entryOf(sockProc, nil, s, named))
		got := [...]string{c.Type, c.Device, c.Node, c.Name(), c.Proto}
		want := [...]string{tc.typ, tc.device, tc.node, tc.name, tc.proto}
		if got != want {
			t.Errorf("fd %d (TYPE, DEVICE, NODE, NAME, P):\n got %q\nwant %q", tc.fd, got, want)
		}
		numeric := tc.numericName
		if numeric == "" {
			numeric = tc.name // names of other sockets are not looked up
		}
		if got := SocketColumns(entryOf(sockProc, nil, s, numericNamer())).Name(); got != numeric {
			t.Errorf("fd %d with -n -P: NAME %q, want %q", tc.fd, got, numeric)
		}
	}
}

// TestSocketNameParts checks -n and -P each alone: lsof -n shows
// 127.0.0.1:http-alt, lsof -P localhost:8080. Service names are looked
// up for TCP and UDP only.
func TestSocketNameParts(t *testing.T) {
	named := fixtureNamer(t)
	noHosts := *named
	noHosts.NoHosts = true
	noPorts := *named
	noPorts.NoPorts = true
	listener := sockholderSocket(t, 19)
	for _, tc := range []struct {
		desc string
		n    *netsock.Namer
		s    *netsock.Socket
		want string
	}{
		{"-n", &noHosts, listener, "127.0.0.1:http-alt (LISTEN)"},
		{"-P", &noPorts, listener, "localhost:8080 (LISTEN)"},
		{"named IPv6 host", named, &netsock.Socket{Proto: netsock.ProtoTCP, IPv6: true, Local: ap("[2001:db8::5]:22"),
			Remote: ap("[2001:db8::9]:50000"), State: 1}, "six.example:ssh->[2001:db8::9]:50000 (ESTABLISHED)"},
		{"UDP service", named, &netsock.Socket{Proto: netsock.ProtoUDP, Local: ap("0.0.0.0:53"), Remote: ap("0.0.0.0:0")}, "*:domain "},
		{"UDP-Lite has no service names", named, &netsock.Socket{Proto: netsock.ProtoUDPLite, Local: ap("127.0.0.1:8080"),
			Remote: ap("0.0.0.0:0")}, "localhost:8080 "},
		{"remote port 0", named, &netsock.Socket{Proto: netsock.ProtoUDP, Local: ap("127.0.0.1:99"), Remote: ap("127.0.0.2:0")},
			"localhost:99->127.0.0.2:* "},
		{"unknown TCP state", named, &netsock.Socket{Proto: netsock.ProtoTCP, Local: ap("0.0.0.0:99"), Remote: ap("0.0.0.0:0"), State: 13},
			"*:99 (UNKNOWN_TCP_STATE_13)"},
		{"TCP state CLOSE_WAIT", named, &netsock.Socket{Proto: netsock.ProtoTCP, Local: ap("127.0.0.1:99"), Remote: ap("127.0.0.1:100"), State: 8},
			"localhost:99->localhost:100 (CLOSE_WAIT)"},
	} {
		if got := SocketColumns(entryOf(sockProc, nil, tc.s, tc.n)).Name(); got != tc.want {
			t.Errorf("%s: NAME %q, want %q", tc.desc, got, tc.want)
		}
	}
}

// TestOtherSockets covers the tables sockholder does not fill: ICMP
// (ping) sockets, netlink and packet protocols by number, unix sockets
// of unknown type or state, and a protocol render does not know.
func TestOtherSockets(t *testing.T) {
	for _, tc := range []struct {
		desc                    string
		s                       netsock.Socket
		typ, device, node, name string
	}{
		{"icmp", netsock.Socket{Inode: 7, Proto: netsock.ProtoICMP, Local: ap("127.0.0.1:3"), Remote: ap("0.0.0.0:0"), State: 7},
			"icmp", "", "7", "0100007F:0003->00000000:0000"},
		{"raw, state in hex", netsock.Socket{Inode: 8, Proto: netsock.ProtoRaw, Local: ap("0.0.0.0:255"), Remote: ap("0.0.0.0:0"), State: 10},
			"raw", "", "8", "00000000:00FF->00000000:0000 st=0A"},
		{"netlink uevent", netsock.Socket{Inode: 9, Proto: netsock.ProtoNetlink, Family: 15}, "netlink", "", "9", "KOBJECT_UEVENT"},
		{"netlink unknown", netsock.Socket{Inode: 9, Proto: netsock.ProtoNetlink, Family: 17}, "netlink", "", "9", "unknown protocol: 17"},
		{"packet IP dgram", netsock.Socket{Inode: 10, Proto: netsock.ProtoPacket, Type: 2, Family: 0x0800}, "pack", "10", "IP", "type=SOCK_DGRAM"},
		{"packet long name", netsock.Socket{Inode: 10, Proto: netsock.ProtoPacket, Type: 3, Family: 0x0008}, "pack", "10", "PPP MP", "type=SOCK_RAW"},
		{"packet unknown", netsock.Socket{Inode: 10, Proto: netsock.ProtoPacket, Type: 9, Family: 0x1234}, "pack", "10", "4660", "type=unknown"},
		{"unix unknown type and state", netsock.Socket{Inode: 11, Proto: netsock.ProtoUnix, Addr: 0x1, Type: 9, State: 9},
			"unix", "0x0000000000000001", "11", "type=unknown (UNKNOWN)"},
		{"unix disconnecting", netsock.Socket{Inode: 11, Proto: netsock.ProtoUnix, Addr: 0x1, Type: 1, State: 4},
			"unix", "0x0000000000000001", "11", "type=STREAM (DISCONNECTING)"},
		{"unknown table", netsock.Socket{Inode: 12}, "sock", "", "12", ""},
	} {
		c := SocketColumns(entryOf(sockProc, nil, &tc.s, numericNamer()))
		got := [...]string{c.Type, c.Device, c.Node, c.Name()}
		want := [...]string{tc.typ, tc.device, tc.node, tc.name}
		if got != want {
			t.Errorf("%s (TYPE, DEVICE, NODE, NAME):\n got %q\nwant %q", tc.desc, got, want)
		}
	}
}
