//go:build linux

package netsock

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Namer names addresses and ports as lsof does: hosts through /etc/hosts
// and then DNS, ports through /etc/services. Each name is looked up once
// per run; a DNS query that does not answer within the timeout leaves the
// address as a number.
type Namer struct {
	NoHosts, NoPorts bool // lsof's -n and -P
	HostsFile        string
	ServicesFile     string
	// Timeout bounds each DNS query; zero means no DNS, only HostsFile.
	Timeout time.Duration

	hosts    map[netip.Addr]string
	services map[string]string // "8080/tcp" -> "http-alt"
	cache    map[netip.Addr]string
}

// NewNamer returns a Namer reading the system's files.
func NewNamer(noHosts, noPorts bool) *Namer {
	return &Namer{
		NoHosts: noHosts, NoPorts: noPorts,
		HostsFile: "/etc/hosts", ServicesFile: "/etc/services",
		Timeout: 500 * time.Millisecond,
	}
}

// Host returns the name of a and true, or its text and false when it has
// none or names are off. IPv6 text is not bracketed here.
func (n *Namer) Host(a netip.Addr) (string, bool) {
	if n.NoHosts {
		return a.String(), false
	}
	if n.cache == nil {
		n.cache = map[netip.Addr]string{}
		n.hosts = readHosts(n.HostsFile)
	}
	name, ok := n.cache[a]
	if !ok {
		if name, ok = n.hosts[a]; !ok {
			name = n.lookupDNS(a)
		}
		n.cache[a] = name
	}
	return name, name != a.String()
}

func (n *Namer) lookupDNS(a netip.Addr) string {
	if n.Timeout <= 0 {
		return a.String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.Timeout)
	defer cancel()
	r := &net.Resolver{PreferGo: true}
	names, err := r.LookupAddr(ctx, a.String())
	if err != nil || len(names) == 0 {
		return a.String()
	}
	return strings.TrimSuffix(names[0], ".")
}

// Port returns the service name of port for proto ("tcp" or "udp"), or
// its number.
func (n *Namer) Port(port uint16, proto string) string {
	num := strconv.Itoa(int(port))
	if n.NoPorts {
		return num
	}
	if n.services == nil {
		n.services = readServices(n.ServicesFile)
	}
	if name, ok := n.services[num+"/"+proto]; ok {
		return name
	}
	return num
}

// readHosts maps each address in a hosts file to its first name, keeping
// the first line that names an address.
func readHosts(path string) map[netip.Addr]string {
	m := map[netip.Addr]string{}
	eachEntry(path, func(fs []string) bool {
		if a, err := netip.ParseAddr(fs[0]); err == nil {
			if _, dup := m[a]; !dup {
				m[a] = fs[1]
			}
		}
		return true
	})
	return m
}

// readServices maps "PORT/PROTO" to the first service name for it.
func readServices(path string) map[string]string {
	m := map[string]string{}
	eachEntry(path, func(fs []string) bool {
		if _, dup := m[fs[1]]; !dup {
			m[fs[1]] = fs[0]
		}
		return true
	})
	return m
}

// ServicePort returns the port of service name for proto ("tcp" or
// "udp") from a services file, matching names and aliases.
func ServicePort(path, name, proto string) (port int, found bool) {
	eachEntry(path, func(fs []string) bool {
		num, p, ok := strings.Cut(fs[1], "/")
		if !ok || p != proto || (fs[0] != name && !slices.Contains(fs[2:], name)) {
			return true
		}
		n, err := strconv.Atoi(num)
		port, found = n, err == nil
		return false
	})
	return port, found
}

// eachEntry calls fn with the fields of each line of a hosts or services
// file that has at least two, comments left out, until fn returns false.
func eachEntry(path string, fn func(fields []string) bool) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if fs := strings.Fields(line); len(fs) >= 2 && !fn(fs) {
			return
		}
	}
}
