//go:build linux

package render

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// tcpStates names the st column of the TCP tables, as lsof does.
var tcpStates = [...]string{
	0: "CLOSED", 1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
	5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
	9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING",
}

// socketTypes names the socket types of unix and packet sockets, and
// unixStates the St column of /proc/net/unix.
var (
	socketTypes = [...]string{1: "STREAM", 2: "DGRAM", 3: "RAW", 4: "RDM", 5: "SEQPACKET", 6: "DCCP", 10: "PACKET"}
	unixStates  = [...]string{1: "UNCONNECTED", 2: "CONNECTING", 3: "CONNECTED", 4: "DISCONNECTING"}
)

// soAcceptCon is the unix flag of a listening socket.
const soAcceptCon = 0x10000

// netlinkNames names netlink protocols.
var netlinkNames = [...]string{
	0: "ROUTE", 1: "UNUSED", 2: "USERSOCK", 3: "FIREWALL", 4: "INET_DIAG",
	5: "NFLOG", 6: "XFRM", 7: "SELINUX", 8: "ISCSI", 9: "AUDIT",
	10: "FIB_LOOKUP", 11: "CONNECTOR", 12: "NETFILTER", 13: "IP6_FW",
	14: "DNRTMSG", 15: "KOBJECT_UEVENT", 16: "GENERIC", 18: "SCSITRANSPORT",
	19: "ECRYPTFS", 20: "RDMA", 21: "CRYPTO", 22: "SMC",
}

// packetProtos names the Ethernet protocols of packet sockets, as lsof
// does; lsof shows at most seven characters of a name.
var packetProtos = map[uint16]string{
	0x0001: "802.3", 0x0002: "AX25", 0x0003: "ALL", 0x0004: "802.2", 0x0005: "SNAP",
	0x0006: "DDCMP", 0x0007: "WAN_PPP", 0x0008: "PPP MP", 0x0009: "LCLTALK",
	0x0010: "PPPTALK", 0x0011: "802.2", 0x0015: "MOBITEX", 0x0016: "CONTROL",
	0x0017: "IRDA", 0x0018: "ECONET", 0x0019: "HDLC", 0x001A: "ARCNET", 0x0060: "LOOP",
	0x0200: "PUP", 0x0201: "PUPAT", 0x0800: "IP", 0x0805: "X25", 0x0806: "ARP",
	0x08FF: "BPQ", 0x0a00: "I3EPUP", 0x0a01: "I3EPUPA", 0x6000: "DEC", 0x6001: "DNA_DL",
	0x6002: "DNA_RC", 0x6003: "DNA_RT", 0x6004: "LAT", 0x6005: "DIAG", 0x6006: "CUST",
	0x6007: "SCA", 0x8035: "RARP", 0x809B: "ATALK", 0x80F3: "AARP", 0x8100: "8021Q",
	0x8137: "IPX", 0x86DD: "IPV6", 0x8809: "SLOW", 0x883E: "WCCP", 0x8863: "PPP_DIS",
	0x8864: "PPP_SES", 0x8847: "MPLS_UC", 0x8848: "MPLS_MC", 0x884c: "ATMMPOA",
	0x8884: "ATMFATE", 0x88A2: "AOE", 0x88CA: "TIPC",
}

func name(table []string, i int) (string, bool) {
	if i >= 0 && i < len(table) && table[i] != "" {
		return table[i], true
	}
	return "", false
}

// Socket holds the columns of a socket found in the socket tables.
type Socket struct {
	Type, Device, Node string
	// Addr is the name without the state: "host:port->host:port",
	// "path type=STREAM", a netlink protocol, ...
	Addr string
	// State is the TCP or unix state, "" for sockets without one.
	State string
	// Inet is set for TCP, UDP and UDPLITE sockets, whose NAME always has
	// a blank after the addresses and whose queues -F shows.
	Inet bool
	// Proto is lsof's protocol field (-F P): TCP, UDP, UDPLITE, or a
	// packet socket's Ethernet protocol.
	Proto string
	// RxQueue and TxQueue are the queue sizes of an Inet socket.
	RxQueue, TxQueue uint64
}

// TCPInfo chooses what lsof calls TCP/TPI information, which follows the
// addresses of TCP, UDP, UDPLITE and unix sockets in NAME (-T). Its zero
// value is lsof's default, the state alone.
type TCPInfo uint8

const (
	TCPInfoState  TCPInfo = 1 << iota // -Ts: the TCP or unix state
	TCPInfoQueues                     // -Tq: QR= and QS=, of Internet sockets
	// TCPInfoFlags is -Tf, the socket options and flags, which lsof has
	// none of on Linux: it asks only for the blank before the information.
	TCPInfoFlags
	TCPInfoNone // -T alone: no information, and no blank
)

// Name returns the NAME column with lsof's default information: the
// addresses, then the state in parentheses.
func (c Socket) Name() string { return c.NameWith(0) }

// NameWith returns the NAME column with the information info asks for:
// the addresses, then, for a socket that has such information, a blank
// and what there is of it in parentheses.
func (c Socket) NameWith(info TCPInfo) string {
	switch {
	case !c.Inet && c.State == "" || info == TCPInfoNone:
		return c.Addr
	case info == 0 || info == TCPInfoState:
		// The default, in one allocation.
		if c.State == "" {
			return c.Addr + " "
		}
		return c.Addr + " (" + c.State + ")"
	}
	b := make([]byte, 0, len(c.Addr)+32)
	b = append(append(b, c.Addr...), ' ')
	sep := byte('(') // before the first item, a blank before the others
	if info&TCPInfoState != 0 && c.State != "" {
		b = append(append(b, sep), c.State...)
		sep = ' '
	}
	if info&TCPInfoQueues != 0 && c.Inet {
		b = strconv.AppendUint(append(append(b, sep), "QR="...), c.RxQueue, 10)
		b = strconv.AppendUint(append(b, " QS="...), c.TxQueue, 10)
		sep = ' '
	}
	if sep != '(' {
		b = append(b, ')')
	}
	return string(b)
}

// SocketColumns returns lsof's TYPE, DEVICE, NODE and NAME for the socket
// of entry e, with the names the join stage gave its ends.
func SocketColumns(e *join.Entry) Socket {
	s := e.Socket
	switch s.Proto {
	case netsock.ProtoTCP, netsock.ProtoUDP, netsock.ProtoUDPLite:
		return inetColumns(s, e.Local, e.Remote)
	case netsock.ProtoRaw, netsock.ProtoICMP:
		// lsof copies the address fields of these tables as they are.
		c := Socket{Type: "icmp", Node: strconv.FormatUint(s.Inode, 10), Addr: s.LocalText() + "->" + s.RemoteText()}
		if s.Proto == netsock.ProtoRaw {
			c.Type = "raw"
			if s.IPv6 {
				c.Type = "raw6"
			}
			st := strings.ToUpper(zeroPad(strconv.FormatUint(uint64(s.State), 16), 2))
			c.Addr += " st=" + st
		}
		return c
	case netsock.ProtoUnix:
		return unixColumns(s)
	case netsock.ProtoNetlink:
		nm, ok := name(netlinkNames[:], int(s.Family))
		if !ok {
			nm = "unknown protocol: " + strconv.Itoa(int(s.Family))
		}
		return Socket{Type: "netlink", Node: strconv.FormatUint(s.Inode, 10), Addr: nm}
	case netsock.ProtoPacket:
		proto, ok := packetProtos[s.Family]
		if !ok {
			proto = strconv.Itoa(int(s.Family))
		}
		t, ok := name(socketTypes[:], int(s.Type))
		if ok {
			t = "SOCK_" + t
		} else {
			t = "unknown"
		}
		proto = proto[:min(len(proto), 7)]
		return Socket{Type: "pack", Device: strconv.FormatUint(s.Inode, 10), Node: proto, Proto: proto, Addr: "type=" + t}
	}
	return Socket{Type: "sock", Node: strconv.FormatUint(s.Inode, 10)}
}

func inetColumns(s *netsock.Socket, localNames, remoteNames join.Names) Socket {
	c := Socket{Type: "IPv4", Device: strconv.FormatUint(s.Inode, 10), Inet: true, RxQueue: s.RxQueue, TxQueue: s.TxQueue}
	if s.IPv6 {
		c.Type = "IPv6"
	}
	c.Node = s.Proto.String()
	c.Proto = c.Node
	local, remote := s.Local, s.Remote
	// When either end is an IPv4-mapped address, lsof shows both as IPv4.
	if local.Addr().Is4In6() || remote.Addr().Is4In6() {
		local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
		remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	}
	var b []byte
	if !local.Addr().IsUnspecified() || local.Port() != 0 {
		b = appendEndpoint(b, local, localNames)
	}
	if !remote.Addr().IsUnspecified() || remote.Port() != 0 {
		b = append(b, "->"...)
		b = appendEndpoint(b, remote, remoteNames)
	}
	if s.Proto == netsock.ProtoTCP {
		st, ok := name(tcpStates[:], int(s.State))
		if !ok {
			st = "UNKNOWN_TCP_STATE_" + strconv.Itoa(int(s.State))
		}
		c.State = st
	}
	c.Addr = string(b)
	return c
}

// appendEndpoint appends one end of an Internet socket: its host's name
// or address, and its port's service name or number, as the join stage
// named them (services for TCP and UDP only).
func appendEndpoint(b []byte, ap netip.AddrPort, n join.Names) []byte {
	a := ap.Addr()
	switch {
	case a.IsUnspecified():
		b = append(b, '*')
	case n.Host != "":
		b = append(b, n.Host...)
	case a.Is6():
		b = append(append(append(b, '['), a.String()...), ']')
	default:
		b = append(b, a.String()...)
	}
	b = append(b, ':')
	switch {
	case ap.Port() == 0:
		return append(b, '*')
	case n.Service != "":
		return append(b, n.Service...)
	}
	return strconv.AppendInt(b, int64(ap.Port()), 10)
}

func unixColumns(s *netsock.Socket) Socket {
	c := Socket{Type: "unix", Node: strconv.FormatUint(s.Inode, 10), Device: "0x" + s.AddrText()}
	var b []byte
	if s.Path != "" {
		b = append(append(b, s.Path...), ' ')
	}
	t, ok := name(socketTypes[:], int(s.Type))
	if !ok {
		t = "unknown"
	}
	c.Addr = string(append(append(b, "type="...), t...))
	st, ok := name(unixStates[:], int(s.State))
	switch {
	case s.Flags&soAcceptCon != 0:
		st = "LISTEN"
	case !ok:
		st = "UNKNOWN"
	}
	c.State = st
	return c
}

func zeroPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}
