package netsock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// The kernel writes /proc/net/udp by walking its whole UDP hash table
// again for every page of text, so a table of ten thousand sockets costs
// about 90 ms of system time. sock_diag (netlink) dumps the same sockets
// in one pass, for a tenth of that. It answers for the network namespace
// of the calling process only; other namespaces are read from /proc.

// Sizes and offsets of the sock_diag messages (linux/inet_diag.h).
const (
	sizeofInetDiagReqV2 = 56 // family, protocol, ext, pad, states, sockid (48)
	sizeofInetDiagMsg   = 72
	diagBufSize         = 256 << 10
)

// errDiagTruncated is a dump message shorter than its header says.
var errDiagTruncated = errors.New("sock_diag: truncated message")

// diagInet dumps the sockets of IP protocol ipproto (unix.IPPROTO_UDP,
// unix.IPPROTO_UDPLITE) and family (IPv6 when v6) of our own network
// namespace, calling fn with each that has an inode, as the /proc table
// of proto would describe it.
func diagInet(proto Proto, ipproto uint8, v6 bool, fn func(*Socket)) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return fmt.Errorf("sock_diag: %w", err)
	}
	defer unix.Close(fd)
	family := uint8(unix.AF_INET)
	if v6 {
		family = unix.AF_INET6
	}
	req := make([]byte, unix.SizeofNlMsghdr+sizeofInetDiagReqV2)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(req[8:], 1) // sequence number
	r := req[unix.SizeofNlMsghdr:]
	r[0], r[1] = family, ipproto
	ne.PutUint32(r[4:], 0xffffffff) // every state
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("sock_diag: %w", err)
	}
	buf := make([]byte, diagBufSize)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("sock_diag: %w", err)
		}
		done, err := diagMessages(buf[:n], proto, v6, fn)
		if done || err != nil {
			return err
		}
	}
}

// diagMessages parses one datagram of a dump. It reports true at the
// dump's end.
func diagMessages(b []byte, proto Proto, v6 bool, fn func(*Socket)) (bool, error) {
	ne := binary.NativeEndian
	for len(b) >= unix.SizeofNlMsghdr {
		size := int(ne.Uint32(b[0:]))
		typ := ne.Uint16(b[4:])
		if size < unix.SizeofNlMsghdr || size > len(b) {
			return false, errDiagTruncated
		}
		body := b[unix.SizeofNlMsghdr:size]
		switch typ {
		case unix.NLMSG_DONE:
			return true, nil
		case unix.NLMSG_ERROR:
			if len(body) >= 4 {
				if errno := int32(ne.Uint32(body)); errno < 0 {
					return true, fmt.Errorf("sock_diag: %w", unix.Errno(-errno))
				}
			}
			return true, errors.New("sock_diag: error reply")
		case unix.SOCK_DIAG_BY_FAMILY:
			if len(body) < sizeofInetDiagMsg {
				return false, errDiagTruncated
			}
			if s := diagSocket(body, proto, v6); s.Inode != 0 {
				fn(&s)
			}
		}
		b = b[min(len(b), (size+unix.NLMSG_ALIGNTO-1)&^(unix.NLMSG_ALIGNTO-1)):]
	}
	return false, nil
}

// diagSocket makes the Socket an inet_diag_msg describes, as parseInetLine
// would from the socket's /proc line.
func diagSocket(m []byte, proto Proto, v6 bool) Socket {
	ne := binary.NativeEndian
	s := Socket{
		Proto:   proto,
		IPv6:    v6,
		State:   m[1],
		RxQueue: uint64(ne.Uint32(m[56:])),
		TxQueue: uint64(ne.Uint32(m[60:])),
		Inode:   uint64(ne.Uint32(m[68:])),
	}
	sport, dport := binary.BigEndian.Uint16(m[4:]), binary.BigEndian.Uint16(m[6:])
	s.Local, s.LocalText = diagAddr(m[8:24], sport, v6)
	s.Remote, s.RemoteText = diagAddr(m[24:40], dport, v6)
	return s
}

// diagAddr returns an address and port of a sockid, and the text the
// /proc table shows for them: the address's 32-bit words in host byte
// order, then the port, all in upper-case hex.
func diagAddr(raw []byte, port uint16, v6 bool) (netip.AddrPort, string) {
	var addr netip.Addr
	if v6 {
		addr = netip.AddrFrom16([16]byte(raw[:16]))
	} else {
		addr = netip.AddrFrom4([4]byte(raw[:4]))
		raw = raw[:4]
	}
	const hexDigits = "0123456789ABCDEF"
	text := make([]byte, 0, 2*len(raw)+5)
	for w := 0; w < len(raw); w += 4 {
		v := binary.NativeEndian.Uint32(raw[w:])
		for shift := 28; shift >= 0; shift -= 4 {
			text = append(text, hexDigits[v>>uint(shift)&0xf])
		}
	}
	text = append(text, ':')
	for shift := 12; shift >= 0; shift -= 4 {
		text = append(text, hexDigits[port>>uint(shift)&0xf])
	}
	return netip.AddrPortFrom(addr, port), string(text)
}
