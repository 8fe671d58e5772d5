package render

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/netsock"
)

// tcpStates names the st column of the TCP tables, as lsof does.
var tcpStates = [...]string{
	1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
	5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
	9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "NEW_SYN_RECV",
}

// unixTypes and unixStates name the Type and St columns of
// /proc/net/unix.
var (
	unixTypes  = [...]string{1: "STREAM", 2: "DGRAM", 3: "RAW", 4: "RDM", 5: "SEQPACKET"}
	unixStates = [...]string{1: "UNCONNECTED", 2: "CONNECTING", 3: "CONNECTED", 4: "DISCONNECTING"}
)

// soAcceptCon is the unix flag of a listening socket.
const soAcceptCon = 0x10000

// netlinkNames names netlink protocols.
var netlinkNames = [...]string{
	0: "ROUTE", 1: "UNUSED", 2: "USERSOCK", 3: "FIREWALL", 4: "INET_DIAG",
	5: "NFLOG", 6: "XFRM", 7: "SELINUX", 8: "ISCSI", 9: "AUDIT",
	10: "FIB_LOOKUP", 11: "CONNECTOR", 12: "NETFILTER", 13: "IP6_FW",
	14: "DNRTMSG", 15: "KOBJECT_UEVENT", 16: "GENERIC", 18: "SCSITRANSPORT",
	19: "ECRYPTFS", 20: "RDMA", 21: "CRYPTO",
}

// packetTypes names the socket types of packet sockets.
var packetTypes = [...]string{1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM", 5: "SOCK_SEQPACKET", 10: "SOCK_PACKET"}

func name(table []string, i int) (string, bool) {
	if i >= 0 && i < len(table) && table[i] != "" {
		return table[i], true
	}
	return "", false
}

// Socket holds the columns of a socket found in the socket tables.
type Socket struct {
	Type, Device, Node, Name string
}

// SocketColumns returns lsof's TYPE, DEVICE, NODE and NAME for socket s,
// naming hosts and ports through n.
func SocketColumns(s *netsock.Socket, n *netsock.Namer) Socket {
	switch s.Proto {
	case netsock.ProtoTCP, netsock.ProtoUDP, netsock.ProtoUDPLite:
		return inetColumns(s, n)
	case netsock.ProtoRaw, netsock.ProtoICMP:
		typ := "raw"
		if s.IPv6 {
			typ = "raw6"
		}
		st := strings.ToUpper(zeroPad(strconv.FormatUint(uint64(s.State), 16), 2))
		return Socket{Type: typ, Node: strconv.FormatUint(s.Inode, 10),
			Name: s.LocalText + "->" + s.RemoteText + " st=" + st}
	case netsock.ProtoUnix:
		return unixColumns(s)
	case netsock.ProtoNetlink:
		nm, ok := name(netlinkNames[:], int(s.Family))
		if !ok {
			nm = strconv.Itoa(int(s.Family))
		}
		return Socket{Type: "netlink", Node: strconv.FormatUint(s.Inode, 10), Name: nm}
	case netsock.ProtoPacket:
		proto := "ALL"
		if s.Family != 3 { // ETH_P_ALL
			proto = "0x" + zeroPad(strconv.FormatUint(uint64(s.Family), 16), 4)
		}
		t, ok := name(packetTypes[:], int(s.Type))
		if !ok {
			t = strconv.Itoa(int(s.Type))
		}
		return Socket{Type: "pack", Device: strconv.FormatUint(s.Inode, 10), Node: proto, Name: "type=" + t}
	}
	return Socket{Type: "sock", Node: strconv.FormatUint(s.Inode, 10)}
}

func inetColumns(s *netsock.Socket, n *netsock.Namer) Socket {
	c := Socket{Type: "IPv4", Device: strconv.FormatUint(s.Inode, 10)}
	if s.IPv6 {
		c.Type = "IPv6"
	}
	proto := "tcp"
	switch s.Proto {
	case netsock.ProtoTCP:
		c.Node = "TCP"
	case netsock.ProtoUDP:
		c.Node, proto = "UDP", "udp"
	case netsock.ProtoUDPLite:
		c.Node, proto = "UDPLITE", "udp"
	}
	b := appendEndpoint(nil, s.Local, s.IPv6, proto, n)
	if s.Remote.Addr().IsValid() && (!s.Remote.Addr().IsUnspecified() || s.Remote.Port() != 0) {
		b = append(b, "->"...)
		b = appendEndpoint(b, s.Remote, s.IPv6, proto, n)
	}
	if s.Proto == netsock.ProtoTCP {
		st, ok := name(tcpStates[:], int(s.State))
		if !ok {
			st = "UNKNOWN_" + strconv.Itoa(int(s.State))
		}
		b = append(append(append(b, " ("...), st...), ')')
	} else {
		b = append(b, ' ')
	}
	c.Name = string(b)
	return c
}

func appendEndpoint(b []byte, ap netip.AddrPort, v6 bool, proto string, n *netsock.Namer) []byte {
	a := ap.Addr()
	switch {
	case a.IsUnspecified():
		b = append(b, '*')
	case v6:
		h := n.Host(a)
		if h == a.String() {
			b = append(append(append(b, '['), h...), ']')
		} else {
			b = append(b, h...)
		}
	default:
		b = append(b, n.Host(a)...)
	}
	b = append(b, ':')
	if ap.Port() == 0 {
		return append(b, '*')
	}
	return append(b, n.Port(ap.Port(), proto)...)
}

func unixColumns(s *netsock.Socket) Socket {
	c := Socket{Type: "unix", Node: strconv.FormatUint(s.Inode, 10)}
	c.Device = "0x" + zeroPad(strconv.FormatUint(s.Addr, 16), 16)
	var b []byte
	if s.Path != "" {
		b = append(append(b, s.Path...), ' ')
	}
	t, ok := name(unixTypes[:], int(s.Type))
	if !ok {
		t = strconv.Itoa(int(s.Type))
	}
	b = append(append(b, "type="...), t...)
	st, ok := name(unixStates[:], int(s.State))
	if s.Flags&soAcceptCon != 0 {
		st, ok = "LISTEN", true
	}
	if ok {
		b = append(append(append(b, " ("...), st...), ')')
	}
	c.Name = string(b)
	return c
}

func zeroPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}
