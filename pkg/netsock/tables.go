//go:build linux

package netsock

import (
	"bytes"
	"cmp"
	"net/netip"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// table is one file under /proc/PID/net.
type table struct {
	name  string
	proto Proto
	v6    bool // IPv6 addresses
	// diag is the IP protocol to dump the table through sock_diag in
	// our own network namespace, and 0 for tables read only from /proc:
	// those that are cheap to read there.
	diag uint8
}

// lineParser returns the parser of the lines of proto's table, of IPv6
// addresses with v6 (which only internet tables tell apart).
func lineParser(proto Proto, v6 bool) func([]byte) (Socket, error) {
	switch proto {
	case ProtoUnix:
		return parseUnixLine
	case ProtoNetlink:
		return parseNetlinkLine
	case ProtoPacket:
		return parsePacketLine
	}
	return func(l []byte) (Socket, error) { return parseInetLine(l, proto, v6) }
}

// tables lists every socket table, in the order lsof searches them.
var tables = []table{
	{name: "tcp", proto: ProtoTCP},
	{name: "tcp6", proto: ProtoTCP, v6: true},
	{name: "udp", proto: ProtoUDP, diag: unix.IPPROTO_UDP},
	{name: "udp6", proto: ProtoUDP, v6: true, diag: unix.IPPROTO_UDP},
	{name: "udplite", proto: ProtoUDPLite, diag: unix.IPPROTO_UDPLITE},
	{name: "udplite6", proto: ProtoUDPLite, v6: true, diag: unix.IPPROTO_UDPLITE},
	{name: "raw", proto: ProtoRaw},
	{name: "raw6", proto: ProtoRaw, v6: true},
	{name: "icmp", proto: ProtoICMP}, // lsof reads no icmp6: those show as "sock"
	{name: "unix", proto: ProtoUnix},
	{name: "netlink", proto: ProtoNetlink},
	{name: "packet", proto: ProtoPacket},
}

// Tables holds the sockets of one network namespace by inode.
type Tables struct {
	// socks holds the sockets in chunks of sockChunk, never copied as
	// they grow; byInode has their index (small values keep the map
	// cheap to fill).
	socks   [][]Socket
	n       int
	byInode map[uint64]int32
	// Files is how many table files were read to build it.
	Files int
	// errs holds why table files asked for could not be read, by name.
	errs map[string]error
}

// readTables reads the socket tables in dir (a /proc/PID/net
// directory): those of the given protocols, or all of them when protos
// is nil. A table the kernel does not have is skipped (Err tells why),
// and so is a line that does not parse; it fails only when no table can
// be read, as when the process is gone, and then returns the empty
// tables too, for Err. With own, dir is our own network namespace's,
// and the tables sock_diag can dump are read through it, those it fails
// on from dir. unixPeers asks for the peers of unix sockets.
func readTables(dir string, own, unixPeers bool, protos []Proto) (*Tables, error) {
	t := newTables()
	var firstErr error
	for _, tb := range tables {
		if protos != nil && !slices.Contains(protos, tb.proto) {
			continue
		}
		if own && tb.diag != 0 && diagInet(tb.proto, tb.diag, tb.v6, t.addSocket) == nil {
			t.Files++
			continue
		}
		if tb.proto == ProtoUnix {
			if err := ReadUnix(dir, own, unixPeers, t.addSocket); err != nil {
				firstErr = cmp.Or(firstErr, err)
				t.setErr(tb.name, err)
			} else {
				t.Files++
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, tb.name))
		if err != nil {
			firstErr = cmp.Or(firstErr, err)
			t.setErr(tb.name, err)
			continue
		}
		t.Files++
		t.add(b, lineParser(tb.proto, tb.v6))
	}
	if t.Files == 0 {
		return t, firstErr
	}
	return t, nil
}

func (t *Tables) setErr(name string, err error) {
	if t.errs == nil {
		t.errs = map[string]error{}
	}
	t.errs[name] = err
}

// Err returns why the table file name ("tcp", "udp6") could not be read
// into t, and nil when it was read or not asked for.
func (t *Tables) Err(name string) error { return t.errs[name] }

func (t *Tables) add(b []byte, parse func([]byte) (Socket, error)) {
	eachSocket(b, parse, t.addSocket)
}

const sockChunk = 4096

// addSocket adds s unless a socket of its inode is in already.
func (t *Tables) addSocket(s *Socket) {
	if _, dup := t.byInode[s.Inode]; dup {
		return
	}
	if t.n%sockChunk == 0 {
		t.socks = append(t.socks, make([]Socket, 0, sockChunk))
	}
	last := &t.socks[len(t.socks)-1]
	*last = append(*last, *s)
	t.byInode[s.Inode] = int32(t.n)
	t.n++
}

// eachSocket calls fn with the socket of each line of a table's text,
// after the header, leaving out lines that do not parse and sockets with
// no inode (as in TIME_WAIT).
func eachSocket(b []byte, parse func([]byte) (Socket, error), fn func(*Socket)) {
	_, b, _ = bytes.Cut(b, []byte("\n")) // the header
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		s, err := parse(line)
		if err != nil || s.Inode == 0 {
			continue
		}
		fn(&s)
	}
}

// Lookup returns the socket with the given inode.
func (t *Tables) Lookup(inode uint64) (Socket, bool) {
	i, ok := t.byInode[inode]
	if !ok {
		return Socket{}, false
	}
	return t.socks[i/sockChunk][i%sockChunk], true
}

// Each calls fn with every socket of the tables, in the order of the
// tables, then of their lines. The socket is the tables' own, not a
// copy (a copy per socket would escape, an allocation each): fn must
// neither change nor keep it.
func (t *Tables) Each(fn func(*Socket)) {
	for _, chunk := range t.socks {
		for i := range chunk {
			fn(&chunk[i])
		}
	}
}

func newTables() *Tables {
	return &Tables{byInode: map[uint64]int32{}}
}

// InetPeers pairs the established TCP, UDP and UDPLITE sockets of the
// tables whose other end is in them too, as lsof 4.95 does for -E: a
// socket's peer has its remote address as local address and its local
// as remote, the same protocol, and a table of the same IP version. It
// returns each socket's peer by inode.
func (t *Tables) InetPeers() map[uint64]uint64 {
	type key struct {
		proto         Proto
		v6            bool
		local, remote netip.AddrPort
	}
	const established = 1
	byKey := map[key]uint64{}
	t.Each(func(s *Socket) {
		if s.Proto.Inet() && s.State == established {
			byKey[key{s.Proto, s.IPv6, s.Local, s.Remote}] = s.Inode
		}
	})
	peers := map[uint64]uint64{}
	for k, ino := range byKey {
		if p, ok := byKey[key{k.proto, k.v6, k.remote, k.local}]; ok && p != ino {
			peers[ino] = p
		}
	}
	return peers
}
