//go:build linux

package selector

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/openfiles/openfiles/pkg/netsock"
)

// InetSpec is one -i argument: [46][protocol][@host][:ports].
type InetSpec struct {
	Family int    // 4, 6, or 0 for either
	Proto  string // "TCP", "UDP", "UDPLITE", or "" for any
	Addrs  []netip.Addr
	Ports  []PortRange
	Found  bool   // some file matched
	Arg    string // as given, for -V
}

// PortRange is the ports Lo to Hi, both included.
type PortRange struct{ Lo, Hi int }

// SpecError is a malformed -i or -s argument, worded as lsof words it.
type SpecError string

func (e SpecError) Error() string { return string(e) }

// Services looks up service names for -i, as netsock.ServicePort does
// in a services file; tests point it at fixtures.
type Services func(name, proto string) (int, bool)

// ParseInet parses an -i argument, as lsof 4.95 reads it, looking up
// host names within hostTimeout. An empty one selects every Internet
// file. Errors are SpecErrors.
func ParseInet(arg string, lookup Services, hostTimeout time.Duration) (*InetSpec, error) {
	s := &InetSpec{Arg: arg}
	rest := arg
	if rest != "" && (rest[0] == '4' || rest[0] == '6') {
		s.Family = int(rest[0] - '0')
		rest = rest[1:]
	}
	end := strings.IndexAny(rest, "@:")
	if end < 0 {
		end = len(rest)
	}
	if p := rest[:end]; p != "" {
		switch up := strings.ToUpper(p); up {
		case "TCP", "UDP", "UDPLITE":
			s.Proto = up
		default:
			return nil, SpecError("unknown protocol name (" + p + ") in: -i " + arg)
		}
	}
	rest = rest[end:]
	if strings.HasPrefix(rest, "@") {
		host := rest[1:]
		var after string
		if strings.HasPrefix(host, "[") {
			i := strings.IndexByte(host, ']')
			if i < 0 {
				return nil, SpecError("unacceptable Internet address in: -i " + arg)
			}
			host, after = host[1:i], host[i+1:]
			if after != "" && after[0] != ':' {
				return nil, SpecError("unacceptable Internet address in: -i " + arg)
			}
		} else if i := strings.IndexByte(host, ':'); i >= 0 {
			host, after = host[:i], host[i:]
		}
		addrs, err := resolveHost(host, arg, s.Family, hostTimeout)
		if err != nil {
			return nil, err
		}
		s.Addrs, rest = addrs, after
	}
	if strings.HasPrefix(rest, ":") {
		ports, err := parsePorts(rest[1:], arg, s.Proto, lookup)
		if err != nil {
			return nil, err
		}
		s.Ports = ports
	}
	return s, nil
}

func resolveHost(host, arg string, family int, timeout time.Duration) ([]netip.Addr, error) {
	if host == "" {
		return nil, SpecError("unacceptable Internet address in: -i " + arg)
	}
	var addrs []netip.Addr
	a, err := netip.ParseAddr(host)
	if quad, ok := dottedQuad(host); ok {
		a, err = quad, nil
	}
	if err != nil && digitsAndDots(host) {
		// A number the resolver reads as inet_aton(3) does (127.1,
		// 2130706433, 010.1) when it looks for IPv4 addresses, or no
		// address at all.
		if a, ok := netsock.InetAton(host); ok && family != 6 {
			return []netip.Addr{a}, nil
		}
		return nil, SpecError("unknown host name (" + host + ") in: -i " + arg)
	}
	if err == nil {
		if a.IsUnspecified() || a.Zone() != "" {
			return nil, SpecError("unacceptable Internet address in: -i " + arg)
		}
		addrs = []netip.Addr{a.Unmap()}
	} else {
		ips, err := netsock.LookupHost("ip", host, timeout)
		if err != nil {
			return nil, SpecError("unknown host name (" + host + ") in: -i " + arg)
		}
		addrs = ips
	}
	for _, a := range addrs {
		if family == 4 && a.Is6() {
			return nil, SpecError("IPv6 addresses are prohibited: -i " + arg)
		}
		if family == 6 && a.Is4() {
			return nil, SpecError("IPv4 addresses are prohibited: -i " + arg)
		}
	}
	return addrs, nil
}

// dottedQuad parses an IPv4 address as lsof does before any lookup: four
// decimal numbers up to 255, leading zeros allowed (0177 is 177).
func dottedQuad(host string) (netip.Addr, bool) {
	var b [4]byte
	parts := strings.Split(host, ".")
	if len(parts) != 4 || host[0] < '0' || host[0] > '9' {
		return netip.Addr{}, false
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 16)
		if p == "" || err != nil || n > 255 || strings.TrimLeft(p, "0123456789") != "" {
			return netip.Addr{}, false
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom4(b), true
}

// digitsAndDots reports whether a host name is a number for the C
// resolver: digits and dots only, not ending in a dot.
func digitsAndDots(host string) bool {
	return host != "" && strings.Trim(host, "0123456789.") == "" && !strings.HasSuffix(host, ".")
}

func parsePorts(list, arg, proto string, lookup Services) ([]PortRange, error) {
	if list == "" {
		return nil, SpecError("unacceptable port specification in: -i " + arg)
	}
	var ports []PortRange
	for _, item := range strings.Split(list, ",") {
		if item == "" {
			return nil, SpecError("invalid service name: -i " + arg)
		}
		if r, ok, err := parseRange(item, arg); err != nil {
			return nil, err
		} else if ok {
			ports = append(ports, r)
			continue
		}
		p, err := lookupService(item, arg, proto, lookup)
		if err != nil {
			return nil, err
		}
		ports = append(ports, PortRange{Lo: p, Hi: p})
	}
	return ports, nil
}

// parseRange parses N or N-M. It reports false for a service name: an
// item that does not start with a digit.
func parseRange(item, arg string) (PortRange, bool, error) {
	if item[0] < '0' || item[0] > '9' {
		return PortRange{}, false, nil
	}
	bad := SpecError("unacceptable port specification in: -i " + arg)
	lo, hi, isRange := strings.Cut(item, "-")
	a, err := strconv.Atoi(lo)
	if err != nil {
		return PortRange{}, false, bad
	}
	if !isRange {
		return PortRange{a, a}, true, nil
	}
	b, err := strconv.Atoi(hi)
	if err != nil || b < a {
		return PortRange{}, false, bad
	}
	return PortRange{a, b}, true, nil
}

func lookupService(name, arg, proto string, lookup Services) (int, error) {
	if proto != "" {
		p := strings.ToLower(proto)
		if proto == "UDPLITE" {
			p = "udp"
		}
		if port, ok := lookup(name, p); ok {
			return port, nil
		}
		return 0, SpecError("unknown service " + name + " for " + p + " in: -i " + arg)
	}
	t, tok := lookup(name, "tcp")
	u, uok := lookup(name, "udp")
	switch {
	case tok && uok && t != u:
		return 0, SpecError("TCP=" + strconv.Itoa(t) + " and UDP=" + strconv.Itoa(u) + " " + name + " ports conflict;\n" +
			"      specify \"tcp:" + name + "\" or \"udp:" + name + "\": -i " + arg)
	case tok:
		return t, nil
	case uok:
		return u, nil
	}
	return 0, SpecError("unknown service " + name + " in: -i " + arg)
}

// Match reports whether socket s is selected by the spec. An address and
// a port must match on the same end, local or remote.
func (sp *InetSpec) Match(s *netsock.Socket) bool {
	if !s.Proto.Inet() || (sp.Proto != "" && sp.Proto != s.Proto.String()) {
		return false
	}
	local, remote := s.Local, s.Remote
	v6 := s.IPv6
	if local.Addr().Is4In6() || remote.Addr().Is4In6() {
		local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
		remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
		if sp.Addrs != nil || sp.Ports != nil {
			v6 = false // lsof compares families after unmapping
		}
	}
	if (sp.Family == 4 && v6) || (sp.Family == 6 && !v6) {
		return false
	}
	if sp.Addrs == nil && sp.Ports == nil {
		return true
	}
	return sp.endpoint(local) || sp.endpoint(remote)
}

func (sp *InetSpec) endpoint(ap netip.AddrPort) bool {
	if sp.Addrs != nil {
		ok := false
		for _, a := range sp.Addrs {
			if a == ap.Addr() {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if sp.Ports != nil {
		p := int(ap.Port())
		for _, r := range sp.Ports {
			if p >= r.Lo && p <= r.Hi {
				return true
			}
		}
		return false
	}
	return true
}

// StateFilter is -s PROTO:STATE[,STATE...], with ^ to exclude.
type StateFilter struct {
	// Include are the states asked for; none means all but those
	// excluded.
	Include map[uint8]bool
	exclude map[uint8]bool
	// Seen are the states some file was found in, for -V.
	Seen map[uint8]bool
}

// tcpStateNames are the states -s accepts, by the st value they stand
// for.
var tcpStateNames = []string{
	"CLOSED", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
}

func (f *StateFilter) Parse(arg string) error {
	proto, list, ok := strings.Cut(arg, ":")
	if !ok {
		return SpecError("unknown -s protocol: \"" + arg + "\"")
	}
	switch strings.ToUpper(proto) {
	case "TCP":
	case "UDP":
		return SpecError("no UDP state names available: " + arg)
	default:
		return SpecError("unknown -s protocol: \"" + arg + "\"")
	}
	if list == "" {
		return SpecError("no TCP state names in: " + arg)
	}
	if f.Include == nil {
		f.Include, f.exclude, f.Seen = map[uint8]bool{}, map[uint8]bool{}, map[uint8]bool{}
	}
	for _, item := range strings.Split(list, ",") {
		excl := strings.HasPrefix(item, "^")
		name := strings.TrimPrefix(item, "^")
		if name == "" {
			return SpecError("NULL TCP state name in: " + arg)
		}
		st := -1
		for i, n := range tcpStateNames {
			if strings.EqualFold(n, name) {
				st = i
			}
		}
		if st < 0 {
			return SpecError("unknown TCP state name: " + name)
		}
		u := uint8(st)
		if excl {
			if f.Include[u] {
				return SpecError("can't include and exclude TCP state: " + name)
			}
			f.exclude[u] = true
			continue
		}
		if f.exclude[u] {
			return SpecError("can't include and exclude TCP state: " + name)
		}
		if f.Include[u] {
			return SpecError("duplicate TCP inclusion: " + name)
		}
		f.Include[u] = true
	}
	return nil
}

// Allows reports whether socket s survives the filter, noting nothing.
func (f *StateFilter) Allows(s *netsock.Socket) bool {
	if f.Include == nil || (s.Proto != netsock.ProtoTCP && s.Proto != netsock.ProtoUDP) {
		return true
	}
	return !f.exclude[s.State] && (len(f.Include) == 0 || f.Include[s.State])
}

// Pass reports whether socket s survives the filter. As lsof does, the
// TCP states also filter UDP sockets, by their st value.
func (f *StateFilter) Pass(s *netsock.Socket) bool {
	if !f.Allows(s) {
		return false
	}
	if f.Include != nil {
		f.Seen[s.State] = true
	}
	return true
}

// Missed reports whether a state the filter includes was never seen.
func (f *StateFilter) Missed() bool {
	for st := range f.Include {
		if !f.Seen[st] {
			return true
		}
	}
	return false
}

// Unseen returns the names of the states the filter includes that no
// socket was found in, in their order, for -V.
func (f *StateFilter) Unseen() []string {
	var names []string
	for st, name := range tcpStateNames {
		if f.Include[uint8(st)] && !f.Seen[uint8(st)] {
			names = append(names, name)
		}
	}
	return names
}
