//go:build linux

package main

import (
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// conn is one socket pattern of a PORT/tcp or PORT/udp name: a local
// port, a remote port and a remote address, each matching anything when
// zero.
type conn struct {
	name         *name
	lport, rport uint16
	raddr        netip.Addr // the zero Addr, or an unspecified one, is any
}

// The socket tables, in the order psmisc reads them.
const (
	tableTCP = iota
	tableUDP
	tableTCP6
	tableUDP6
)

var tableFiles = [4]string{"tcp", "udp", "tcp6", "udp6"}

// family is the address family of psmisc's getaddrinfo hints.
type family uint8

const (
	familyAny family = iota
	family4
	family6
)

// parseInet reads [lcl_port][,[rmt_host][,[rmt_port]]] from a name's
// text as psmisc does, and adds its patterns to the tables' lists.
// psmisc prints a message only when the local port cannot be resolved;
// a remote host or port that cannot be leaves the name matching nothing.
func (f *fuser) parseInet(n *name) {
	slash := strings.IndexByte(n.text, '/')
	proto := n.text[slash+1:]
	spec := n.text[:slash]
	if len(spec) > 99 {
		spec = spec[:99]
	}
	var lcl, rhost, rport *string
	if k := strings.IndexByte(spec, ','); k < 0 {
		lcl = &spec
	} else {
		if k > 0 {
			s := spec[:k]
			lcl = &s
		}
		if rest := spec[k+1:]; rest != "" {
			if m := strings.IndexByte(rest, ','); m < 0 {
				rhost = &rest
			} else {
				if m > 0 {
					s := rest[:m]
					rhost = &s
				}
				if s := rest[m+1:]; s != "" {
					rport = &s
				}
			}
		}
	}
	fam := familyAny
	if f.ipv6 {
		fam = family6
	} else if f.ipv4 {
		fam = family4
	}
	// psmisc asks for a stream socket only when the protocol is exactly
	// "tcp", and a datagram one otherwise.
	stream := proto == "tcp"
	v4, v6 := tableUDP, tableUDP6
	if n.space == spaceTCP {
		v4, v6 = tableTCP, tableTCP6
	}
	var lport uint16
	if lcl != nil {
		addrs, err := f.resolve(nil, lcl, fam, stream)
		if err != "" {
			f.out.errorf("Cannot resolve local port %s: %s\n", *lcl, err)
			return
		}
		lport = addrs[0].Port()
	}
	if rhost == nil && rport == nil {
		f.conns[v4] = append(f.conns[v4], conn{name: n, lport: lport})
		f.conns[v6] = append(f.conns[v6], conn{name: n, lport: lport})
		return
	}
	addrs, err := f.resolve(rhost, rport, fam, stream)
	if err != "" {
		return
	}
	for _, a := range addrs {
		c := conn{name: n, lport: lport, rport: a.Port()}
		if rhost != nil {
			c.raddr = a.Addr()
		}
		if a.Addr().Is4() {
			f.conns[v4] = append(f.conns[v4], c)
		} else {
			f.conns[v6] = append(f.conns[v6], c)
		}
	}
}

// resolve does what getaddrinfo(host, service) does for psmisc: it
// returns the addresses with the port, or getaddrinfo's message. A nil
// host, or "*", is the loopback address of each family asked for.
func (f *fuser) resolve(host, service *string, fam family, stream bool) ([]netip.AddrPort, string) {
	if host != nil && *host == "*" {
		host = nil
	}
	if service != nil && *service == "*" {
		service = nil
	}
	if host == nil && service == nil {
		return nil, "Name or service not known"
	}
	var port uint16
	if service != nil {
		p, ok := f.servicePort(*service, stream)
		if !ok {
			return nil, "Servname not supported for ai_socktype"
		}
		port = p
	}
	var addrs []netip.Addr
	switch {
	case host == nil:
		if fam != family4 {
			addrs = append(addrs, netip.IPv6Loopback())
		}
		if fam != family6 {
			addrs = append(addrs, netip.AddrFrom4([4]byte{127, 0, 0, 1}))
		}
	default:
		var err string
		if addrs, err = lookupHost(*host, fam); err != "" {
			return nil, err
		}
	}
	out := make([]netip.AddrPort, len(addrs))
	for i, a := range addrs {
		out[i] = netip.AddrPortFrom(a, port)
	}
	return out, ""
}

// servicePort reads a service as getaddrinfo does: a number as strtoul
// reads it (blanks and a sign first; nothing may follow), cut to an int
// and then to 16 bits, and when that is not a number or is negative as
// an int, a name from the services file for the socket type's protocol.
func (f *fuser) servicePort(s string, stream bool) (uint16, bool) {
	if v, ok := strtoul(s); ok && int32(uint32(v)) >= 0 {
		return uint16(v), true
	}
	proto := "udp"
	if stream {
		proto = "tcp"
	}
	p, ok := netsock.ServicePort(f.e.services, s, proto)
	return uint16(p), ok
}

// strtoul parses all of s as C's strtoul(s, &end, 10) with *end == 0:
// leading white space, an optional sign, decimal digits, saturating at
// the maximum. The empty string is 0.
func strtoul(s string) (uint64, bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for ; i < len(s) && isDigit(s[i]); i++ {
		d := uint64(s[i] - '0')
		if v > (1<<64-1-d)/10 {
			overflow = true
		}
		v = v*10 + d
	}
	if i == start {
		// No digits: strtoul consumes nothing, so only "" is all read.
		return 0, s == ""
	}
	if i < len(s) {
		return 0, false
	}
	if overflow {
		return 1<<64 - 1, true
	}
	if neg {
		v = -v
	}
	return v, true
}

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// lookupHost returns the addresses of a host for the family asked, as
// getaddrinfo does: an IPv4 address in any form inet_aton reads, an
// IPv6 address, or a name from the hosts file or DNS.
func lookupHost(host string, fam family) ([]netip.Addr, string) {
	if a, ok := netsock.InetAton(host); ok {
		if fam == family6 {
			return nil, "Address family for hostname not supported"
		}
		return []netip.Addr{a}, ""
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() {
		if fam == family4 {
			return nil, "Address family for hostname not supported"
		}
		return []netip.Addr{a.WithZone("")}, ""
	}
	network := "ip"
	switch fam {
	case family4:
		network = "ip4"
	case family6:
		network = "ip6"
	}
	ips, err := netsock.LookupHost(network, host, netsock.HostTimeout)
	if err != nil {
		return nil, "Name or service not known"
	}
	return ips, ""
}

// findSockets reads the socket tables of our own network namespace, in
// f.e.netDir, through res, and records the inode of every socket a
// pattern matches. As psmisc does, it says that an IPv4 table a name
// needs cannot be read, unless -6 leaves it out.
func (f *fuser) findSockets(res *netsock.Resolver) {
	t, _ := res.TablesAt(f.ownNetNS, f.e.netDir)
	for _, tb := range [...]int{tableTCP, tableUDP} {
		if len(f.conns[tb]) == 0 || f.ipv6 {
			continue
		}
		if err := t.Err(tableFiles[tb]); err != nil {
			f.out.errorf("Cannot open protocol file \"%s\": %s\n", filepath.Join(f.e.netDir, tableFiles[tb]), errText(err))
		}
	}
	f.matchSockets(t)
}

// findSocketsElsewhere reads, through res, the tables of every other
// network namespace a process of pids is in, once each, from the first
// of its members whose tables can be read, and records the sockets the
// patterns match. psmisc reads its own namespace's only, and misses the
// sockets of containers. Socket inodes are unique across namespaces, so
// a descriptor is matched by inode whatever the namespace of the
// process holding it. The namespaces are learnt before the scan, so
// that a port no table has reads no process; the scan takes each
// process's namespace from what sc read here.
func (f *fuser) findSocketsElsewhere(res *netsock.Resolver, sc *fdscan.Scanner, pids []int) {
	res.EachNamespace(pids, sc.NetNS, f.ownNetNS, f.matchSockets)
	if f.e.trace != nil {
		f.e.trace.netnsTables, f.e.trace.tableFiles = res.Counts()
	}
}

// connProtos returns the protocols of the tables the patterns need.
func (f *fuser) connProtos() []netsock.Proto {
	var protos []netsock.Proto
	if len(f.conns[tableTCP]) > 0 || len(f.conns[tableTCP6]) > 0 {
		protos = append(protos, netsock.ProtoTCP)
	}
	if len(f.conns[tableUDP]) > 0 || len(f.conns[tableUDP6]) > 0 {
		protos = append(protos, netsock.ProtoUDP)
	}
	return protos
}

// matchSockets records the inode of every socket of t a pattern of its
// table matches, IPv4 ones unless -6 and IPv6 ones unless -4.
func (f *fuser) matchSockets(t *netsock.Tables) {
	t.Each(func(s *netsock.Socket) {
		if (s.IPv6 && f.ipv4) || (!s.IPv6 && f.ipv6) {
			return
		}
		var table int
		switch {
		case s.Proto == netsock.ProtoTCP && !s.IPv6:
			table = tableTCP
		case s.Proto == netsock.ProtoTCP:
			table = tableTCP6
		case s.Proto == netsock.ProtoUDP && !s.IPv6:
			table = tableUDP
		case s.Proto == netsock.ProtoUDP:
			table = tableUDP6
		default:
			return
		}
		for _, c := range f.conns[table] {
			if c.matches(s) {
				f.addSocket(c.name, s.Inode)
			}
		}
	})
}

func (f *fuser) addSocket(n *name, ino uint64) {
	if f.sockets == nil {
		f.sockets = map[uint64][]*name{}
	}
	f.sockets[ino] = append(f.sockets[ino], n)
}

// matches compares the local port only, never the local address, and
// the remote address by its bytes, as psmisc does.
func (c conn) matches(s *netsock.Socket) bool {
	if c.lport != 0 && c.lport != s.Local.Port() {
		return false
	}
	if c.rport != 0 && c.rport != s.Remote.Port() {
		return false
	}
	if !c.raddr.IsValid() || c.raddr.IsUnspecified() {
		return true
	}
	return c.raddr.As16() == s.Remote.Addr().As16()
}
