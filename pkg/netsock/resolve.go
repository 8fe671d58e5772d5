//go:build linux

package netsock

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"
)

// HostTimeout bounds the lookup of a host name given on a command line
// (lsof's -i @HOST, fuser's PORT,HOST/tcp). The names of the addresses
// a listing shows are looked up with the Namer's shorter Timeout: there
// can be hundreds of them.
const HostTimeout = 2 * time.Second

// errNoAddress is a host name that resolved to nothing.
var errNoAddress = errors.New("no address")

// LookupHost returns the addresses of host, a name looked up in the
// hosts file and DNS (Go's resolver) within timeout (HostTimeout, but
// for tests), for network "ip", "ip4" or "ip6". IPv4 addresses come
// unmapped.
func LookupHost(network, host string, timeout time.Duration) ([]netip.Addr, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ips, err := (&net.Resolver{PreferGo: true}).LookupNetIP(ctx, network, host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, errNoAddress
	}
	for i, a := range ips {
		ips[i] = a.Unmap()
	}
	return ips, nil
}

// InetAton parses an IPv4 address as the C library's inet_aton does,
// requiring it to take the whole string: one to four parts, each
// decimal, octal (0...) or hexadecimal (0x...), the last filling the
// bytes the others leave.
func InetAton(s string) (netip.Addr, bool) {
	var parts [4]uint64
	n := 0
	for {
		if s == "" || s[0] < '0' || s[0] > '9' {
			return netip.Addr{}, false
		}
		v, rest, ok := cNumber(s)
		if !ok {
			return netip.Addr{}, false
		}
		s = rest
		if s != "" && s[0] == '.' {
			if n > 2 || v > 0xff {
				return netip.Addr{}, false
			}
			parts[n] = v
			n++
			s = s[1:]
			continue
		}
		if s != "" {
			return netip.Addr{}, false
		}
		if v > [4]uint64{0xffffffff, 0xffffff, 0xffff, 0xff}[n] {
			return netip.Addr{}, false
		}
		var word uint32
		for i := 0; i < n; i++ {
			word |= uint32(parts[i]) << (24 - 8*i)
		}
		word |= uint32(v)
		return netip.AddrFrom4([4]byte{byte(word >> 24), byte(word >> 16), byte(word >> 8), byte(word)}), true
	}
}

// cNumber reads an unsigned number as strtoul(s, &end, 0) does from a
// string that starts with a digit, and returns the rest; it fails past
// 32 bits.
func cNumber(s string) (uint64, string, bool) {
	base := uint64(10)
	i := 0
	if s[0] == '0' {
		base, i = 8, 1
		if len(s) > 2 && (s[1] == 'x' || s[1] == 'X') && hexDigit(s[2]) >= 0 {
			base, i = 16, 2
		}
	}
	var v uint64
	for ; i < len(s); i++ {
		d := hexDigit(s[i])
		if d < 0 || uint64(d) >= base {
			break
		}
		v = v*base + uint64(d)
		if v > 0xffffffff {
			return 0, "", false
		}
	}
	return v, s[i:], true
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
