//go:build linux

package netsock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"runtime"

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
// of proto would describe it. The Socket is only valid during the call.
func diagInet(proto Proto, ipproto uint8, v6 bool, fn func(*Socket)) error {
	fd, err := diagSocketFD("")
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	family := uint8(unix.AF_INET)
	if v6 {
		family = unix.AF_INET6
	}
	req := make([]byte, sizeofInetDiagReqV2)
	req[0], req[1] = family, ipproto
	binary.NativeEndian.PutUint32(req[4:], 0xffffffff) // every state
	var s Socket                                       // one for every socket: fn does not keep it
	return diagDump(fd, req, sizeofInetDiagMsg, func(m []byte) {
		if s = diagSocket(m, proto, v6); s.Inode != 0 {
			fn(&s)
		}
	})
}

// diagSocketFD opens a sock_diag socket in the network namespace of the
// nsfs file nsPath, or in ours when nsPath is "". A netlink socket
// answers for the namespace it was made in, so only its making needs the
// other namespace: one locked thread enters it and comes back at once.
func diagSocketFD(nsPath string) (int, error) {
	open := func() (int, error) {
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
		if err != nil {
			return -1, fmt.Errorf("sock_diag: %w", err)
		}
		return fd, nil
	}
	if nsPath == "" {
		return open()
	}
	target, err := unix.Open(nsPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("sock_diag: %w", &fs.PathError{Op: "open", Path: nsPath, Err: err})
	}
	defer unix.Close(target)
	runtime.LockOSThread()
	home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return -1, fmt.Errorf("sock_diag: %w", err)
	}
	defer unix.Close(home)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return -1, fmt.Errorf("sock_diag: enter %s: %w", nsPath, err)
	}
	fd, err := open()
	if unix.Setns(home, unix.CLONE_NEWNET) != nil {
		// The thread stays in the other namespace; left locked, it
		// ends with this goroutine instead of serving another.
		if err == nil {
			unix.Close(fd)
		}
		return -1, errors.New("sock_diag: cannot return to our network namespace")
	}
	runtime.UnlockOSThread()
	return fd, err
}

// diagDump sends the sock_diag request body req on fd and calls each
// with every message of the dump that answers it, of at least minLen
// bytes.
func diagDump(fd int, req []byte, minLen int, each func([]byte)) error {
	msg := make([]byte, unix.SizeofNlMsghdr+len(req))
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(msg[8:], 1) // sequence number
	copy(msg[unix.SizeofNlMsghdr:], req)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
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
		done, err := diagMessages(buf[:n], minLen, each)
		if done || err != nil {
			return err
		}
	}
}

// diagMessages parses one datagram of a dump. It reports true at the
// dump's end.
func diagMessages(b []byte, minLen int, each func([]byte)) (bool, error) {
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
			if len(body) < minLen {
				return false, errDiagTruncated
			}
			each(body)
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
	s.Local = diagAddr(m[8:24], sport, v6)
	s.Remote = diagAddr(m[24:40], dport, v6)
	return s
}

// diagAddr returns an address and port of a sockid.
func diagAddr(raw []byte, port uint16, v6 bool) netip.AddrPort {
	if v6 {
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(raw[:16])), port)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(raw[:4])), port)
}
