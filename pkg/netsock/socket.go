//go:build linux

package netsock

import (
	"encoding/binary"
	"net/netip"
)

// Proto is the table a socket was found in.
type Proto uint8

// Socket tables.
const (
	ProtoTCP Proto = iota + 1
	ProtoUDP
	ProtoUDPLite
	ProtoRaw
	ProtoICMP
	ProtoUnix
	ProtoNetlink
	ProtoPacket
)

// protoNames are the protocols' names, as lsof and the JSON output give
// them.
var protoNames = [...]string{
	ProtoTCP: "TCP", ProtoUDP: "UDP", ProtoUDPLite: "UDPLITE", ProtoRaw: "RAW",
	ProtoICMP: "ICMP", ProtoUnix: "UNIX", ProtoNetlink: "NETLINK", ProtoPacket: "PACKET",
}

// String returns the protocol's name: "TCP", "UDPLITE", "UNIX", ...
func (p Proto) String() string {
	if int(p) < len(protoNames) {
		return protoNames[p]
	}
	return ""
}

// Inet reports whether p is TCP, UDP or UDPLITE: the protocols lsof's -i
// selects and names by address and port.
func (p Proto) Inet() bool {
	return p == ProtoTCP || p == ProtoUDP || p == ProtoUDPLite
}

// Socket is one line of a socket table.
type Socket struct {
	Inode uint64
	Proto Proto
	IPv6  bool // from an IPv6 table (tcp6, udp6, ...)

	// Internet sockets (raw and ICMP ones too): addresses, which
	// LocalText and RemoteText give as the table prints them.
	Local, Remote netip.AddrPort
	// State is the st column of internet tables and the St column of unix.
	State uint8
	// TxQueue and RxQueue are the queue sizes of internet sockets.
	TxQueue, RxQueue uint64

	// Unix sockets: the kernel address (Num, which AddrText gives as the
	// table prints it), type, flags and path (an abstract name starts
	// with '@'). Packet sockets use Type too.
	Addr  uint64
	Type  uint16
	Flags uint32
	Path  string
	// Checked says sock_diag confirmed the unix socket's line: Path is
	// then its name exactly, and BoundDev and BoundIno are the device
	// and inode of the file it is bound to (0 for abstract names and
	// unbound sockets; the kernel gives only an inode's low 32 bits).
	Checked            bool
	BoundDev, BoundIno uint64
	// Peer is the checked unix socket connected to this one, and Pending,
	// of a listener, the client of its first pending connection, paired
	// as lsof pairs them (see unixPeers); 0 for none.
	Peer, Pending uint64

	// Family protocol: netlink's (Eth column) and packet's (Proto column).
	Family uint16

	// addrDigits is how many digits the table gave Num in: 16 from a
	// 64-bit kernel, 8 from a 32-bit one; 0, in a Socket made otherwise,
	// stands for 16.
	addrDigits uint8
}

// LocalText returns an Internet socket's local address and port as its
// /proc table prints them, which lsof shows for raw and ICMP sockets:
// the address's 32-bit words in host byte order, a colon, then the port,
// all in upper-case hex ("0100007F:0003").
func (s *Socket) LocalText() string { return string(appendInetText(nil, s.Local, s.IPv6)) }

// RemoteText returns an Internet socket's remote address and port as
// its /proc table prints them, as LocalText does the local ones.
func (s *Socket) RemoteText() string { return string(appendInetText(nil, s.Remote, s.IPv6)) }

// AddrText returns a unix socket's kernel address (Addr) as
// /proc/net/unix prints it, in lower-case hex zero-padded to the
// kernel's width ("0000000000000001"); lsof shows it so.
func (s *Socket) AddrText() string {
	n := int(s.addrDigits)
	if n == 0 {
		n = 16
	}
	var buf [16]byte
	for i, v := n-1, s.Addr; i >= 0; i, v = i-1, v>>4 {
		buf[i] = "0123456789abcdef"[v&0xf]
	}
	return string(buf[:n])
}

// appendInetText appends ap as an Internet table prints an address and
// port: "%08X:%04X", with four words for an IPv6 table.
func appendInetText(b []byte, ap netip.AddrPort, v6 bool) []byte {
	var raw [16]byte
	n := 4
	switch a := ap.Addr(); {
	case v6:
		raw, n = a.As16(), 16
	case a.Is4() || a.Is4In6():
		r4 := a.As4()
		copy(raw[:], r4[:])
	}
	const hexDigits = "0123456789ABCDEF"
	for w := 0; w < n; w += 4 {
		v := binary.NativeEndian.Uint32(raw[w:])
		for shift := 28; shift >= 0; shift -= 4 {
			b = append(b, hexDigits[v>>uint(shift)&0xf])
		}
	}
	b = append(b, ':')
	port := ap.Port()
	for shift := 12; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[port>>uint(shift)&0xf])
	}
	return b
}
