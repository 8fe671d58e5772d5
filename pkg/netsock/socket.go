//go:build linux

package netsock

import "net/netip"

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

	// Internet sockets: addresses, and the address fields as the table
	// prints them (lsof shows raw sockets that way).
	Local, Remote         netip.AddrPort
	LocalText, RemoteText string
	// State is the st column of internet tables and the St column of unix.
	State uint8
	// TxQueue and RxQueue are the queue sizes of internet sockets.
	TxQueue, RxQueue uint64

	// Unix sockets: the kernel address (Num), type, flags and path (an
	// abstract name starts with '@'). Packet sockets use Type too.
	Addr     uint64
	AddrText string // Num as the table prints it
	Type     uint16
	Flags    uint32
	Path     string
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
}
