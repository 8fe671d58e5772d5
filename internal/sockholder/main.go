//go:build linux

// Command sockholder is a test fixture process that holds one socket of
// every kind lsof distinguishes: TCP and UDP over IPv4 and IPv6, on
// loopback and on the wildcard address, listening, bound and connected;
// unix stream, datagram, seqpacket, abstract and paired sockets; netlink;
// and, when run as root, raw and packet sockets. It prints "ready" and the
// ports it bound, then keeps everything open until its input closes.
package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	var ports []string
	var err error
	switch {
	case len(os.Args) == 2 && os.Args[1] == "-listen":
		// Only a TCP listener on the wildcard address, which needs no
		// loopback device: for a network namespace of its own.
		var ln net.Listener
		if ln, err = net.Listen("tcp4", "0.0.0.0:0"); err == nil {
			kept = append(kept, ln)
			ports = []string{fmt.Sprintf("listen=%d", ln.Addr().(*net.TCPAddr).Port)}
		}
	case len(os.Args) == 2 && os.Args[1] == "-unbound":
		// One unbound unix socket, whose inode it reports.
		var ino uint64
		if ino, err = unbound(); err == nil {
			ports = []string{fmt.Sprintf("inode=%d", ino)}
		}
	case len(os.Args) == 4 && os.Args[1] == "-forge":
		// An abstract socket whose name ends its /proc/net/unix line
		// and adds a line claiming that socket inode os.Args[2] is bound
		// to path os.Args[3].
		err = forge(os.Args[2], os.Args[3])
	case len(os.Args) == 2 && os.Args[1] == "-queued":
		// Sockets with data waiting in their queues.
		ports, err = queued()
	case len(os.Args) == 2:
		ports, err = hold(os.Args[1])
	default:
		fmt.Fprintln(os.Stderr, "usage: sockholder DIR | sockholder -listen | sockholder -queued | sockholder -unbound | sockholder -forge INODE PATH")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sockholder:", err)
		os.Exit(1)
	}
	fmt.Println("ready " + strings.Join(ports, " "))
	_, _ = io.Copy(io.Discard, os.Stdin)
}

var kept []any

func hold(dir string) ([]string, error) {
	var ports []string
	port := func(name string, a net.Addr) {
		switch a := a.(type) {
		case *net.TCPAddr:
			ports = append(ports, fmt.Sprintf("%s=%d", name, a.Port))
		case *net.UDPAddr:
			ports = append(ports, fmt.Sprintf("%s=%d", name, a.Port))
		}
	}
	for _, l := range []struct{ name, netw, addr string }{
		{"tcp4lo", "tcp4", "127.0.0.1:0"},
		{"tcp4any", "tcp4", "0.0.0.0:0"},
		{"tcp6lo", "tcp6", "[::1]:0"},
		{"tcp6any", "tcp6", "[::]:0"},
	} {
		ln, err := net.Listen(l.netw, l.addr)
		if err != nil {
			return nil, err
		}
		kept = append(kept, ln)
		port(l.name, ln.Addr())
		if l.name == "tcp4lo" || l.name == "tcp6lo" {
			// An established pair: both ends live in this process.
			c, err := net.Dial(l.netw, ln.Addr().String())
			if err != nil {
				return nil, err
			}
			s, err := ln.Accept()
			if err != nil {
				return nil, err
			}
			kept = append(kept, c, s)
		}
	}
	// A dual-stack listener that accepts an IPv4 connection: the accepted
	// socket has IPv4-mapped addresses in the tcp6 table.
	dual, err := net.Listen("tcp", "[::]:0")
	if err != nil {
		return nil, err
	}
	port("dual", dual.Addr())
	dc, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", dual.Addr().(*net.TCPAddr).Port))
	if err != nil {
		return nil, err
	}
	ds, err := dual.Accept()
	if err != nil {
		return nil, err
	}
	kept = append(kept, dual, dc, ds)
	// A port with a service name, when it is free, to show port names.
	if ln, err := net.Listen("tcp4", "127.0.0.1:8080"); err == nil {
		kept = append(kept, ln)
		port("named", ln.Addr())
	}

	for _, u := range []struct{ name, netw, addr string }{
		{"udp4", "udp4", "127.0.0.1:0"},
		{"udp6", "udp6", "[::1]:0"},
		{"udp4any", "udp4", "0.0.0.0:0"},
	} {
		c, err := net.ListenPacket(u.netw, u.addr)
		if err != nil {
			return nil, err
		}
		kept = append(kept, c)
		port(u.name, c.LocalAddr())
		if u.name != "udp4any" {
			d, err := net.Dial(u.netw, c.LocalAddr().String())
			if err != nil {
				return nil, err
			}
			kept = append(kept, d)
		}
	}

	stream := filepath.Join(dir, "stream.sock")
	ln, err := net.Listen("unix", stream)
	if err != nil {
		return nil, err
	}
	c, err := net.Dial("unix", stream)
	if err != nil {
		return nil, err
	}
	s, err := ln.Accept()
	if err != nil {
		return nil, err
	}
	kept = append(kept, ln, c, s)
	dg, err := net.ListenPacket("unixgram", filepath.Join(dir, "dgram.sock"))
	if err != nil {
		return nil, err
	}
	sp, err := net.Listen("unixpacket", filepath.Join(dir, "seqpacket.sock"))
	if err != nil {
		return nil, err
	}
	// The abstract namespace belongs to the network namespace, which
	// holders in different PID namespaces share: their PIDs can be
	// equal, so the name carries a random part as well.
	abs, err := net.Listen("unix", fmt.Sprintf("@sockholder-%d-%08x", os.Getpid(), rand.Uint32()))
	if err != nil {
		return nil, err
	}
	kept = append(kept, dg, sp, abs)
	if _, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
		return nil, err
	}

	nl, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	if err := unix.Bind(nl, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		for _, s := range []struct{ family, typ, proto int }{
			{unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP},
			{unix.AF_INET6, unix.SOCK_RAW, unix.IPPROTO_ICMPV6},
			{unix.AF_PACKET, unix.SOCK_RAW, int(htons(unix.ETH_P_ALL))},
		} {
			if _, err := unix.Socket(s.family, s.typ|unix.SOCK_CLOEXEC, s.proto); err != nil {
				return nil, err
			}
		}
	}
	return ports, nil
}

// queued holds a TCP connection whose receiving end reads nothing, with
// its receive queue and the sender's send queue full; another with 100
// bytes unread; and a UDP socket with one datagram unread. The queues
// stay as they are until the process exits.
func queued() ([]string, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	kept = append(kept, ln)
	pair := func() (*net.TCPConn, net.Conn, error) {
		c, err := net.DialTCP("tcp4", nil, ln.Addr().(*net.TCPAddr))
		if err != nil {
			return nil, nil, err
		}
		s, err := ln.Accept()
		if err != nil {
			return nil, nil, err
		}
		kept = append(kept, c, s)
		return c, s, nil
	}
	c, _, err := pair()
	if err != nil {
		return nil, err
	}
	if _, err := c.Write(make([]byte, 100)); err != nil {
		return nil, err
	}
	full, _, err := pair()
	if err != nil {
		return nil, err
	}
	// Write until nothing more fits anywhere: the deadline ends the
	// write that would wait for room.
	if err := full.SetWriteDeadline(time.Now().Add(300 * time.Millisecond)); err != nil {
		return nil, err
	}
	for err == nil {
		_, err = full.Write(make([]byte, 1<<16))
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, err
	}
	u, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	kept = append(kept, u)
	if _, err := u.WriteTo([]byte("queued"), u.LocalAddr()); err != nil {
		return nil, err
	}
	// Let loopback settle: the last segments and acknowledgements.
	time.Sleep(200 * time.Millisecond)
	return []string{fmt.Sprintf("tcp=%d", ln.Addr().(*net.TCPAddr).Port), fmt.Sprintf("udp=%d", u.LocalAddr().(*net.UDPAddr).Port)}, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func unbound() (uint64, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		return 0, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, err
	}
	kept = append(kept, fd)
	return st.Ino, nil
}

func forge(inode, path string) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	name := "@x\n0: 00000002 00000000 00000000 0001 03 " + inode + " " + path
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: name}); err != nil {
		return err
	}
	kept = append(kept, fd)
	return nil
}
