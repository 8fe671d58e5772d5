package netsock

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// table is one file under /proc/PID/net and how to parse its lines.
type table struct {
	name  string
	proto Proto
	parse func([]byte) (Socket, error)
	// diag is the IP protocol to dump the table through sock_diag in
	// our own network namespace, and 0 for tables read only from /proc:
	// those that are cheap to read there.
	diag uint8
	v6   bool
}

func inet(p Proto, v6 bool) func([]byte) (Socket, error) {
	return func(l []byte) (Socket, error) { return parseInetLine(l, p, v6) }
}

// tables lists every socket table, in the order lsof searches them.
var tables = []table{
	{"tcp", ProtoTCP, inet(ProtoTCP, false), 0, false},
	{"tcp6", ProtoTCP, inet(ProtoTCP, true), 0, false},
	{"udp", ProtoUDP, inet(ProtoUDP, false), unix.IPPROTO_UDP, false},
	{"udp6", ProtoUDP, inet(ProtoUDP, true), unix.IPPROTO_UDP, true},
	{"udplite", ProtoUDPLite, inet(ProtoUDPLite, false), unix.IPPROTO_UDPLITE, false},
	{"udplite6", ProtoUDPLite, inet(ProtoUDPLite, true), unix.IPPROTO_UDPLITE, true},
	{"raw", ProtoRaw, inet(ProtoRaw, false), 0, false},
	{"raw6", ProtoRaw, inet(ProtoRaw, true), 0, false},
	{"icmp", ProtoICMP, inet(ProtoICMP, false), 0, false}, // lsof reads no icmp6: those show as "sock"
	{"unix", ProtoUnix, parseUnixLine, 0, false},
	{"netlink", ProtoNetlink, parseNetlinkLine, 0, false},
	{"packet", ProtoPacket, parsePacketLine, 0, false},
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
}

// ReadTables reads the socket tables in dir (a /proc/PID/net
// directory): those of the given protocols, or all of them when none is
// given. A table the kernel does not have is skipped, and so is a
// line that does not parse; it fails only when no table can be read, as
// when the process is gone.
func ReadTables(dir string, protos ...Proto) (*Tables, error) {
	return readTables(dir, false, protos)
}

// readTables is ReadTables; with own, dir is our own network namespace's,
// and the tables sock_diag can dump are read through it, those it fails
// on from dir.
func readTables(dir string, own bool, protos []Proto) (*Tables, error) {
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
		b, err := os.ReadFile(filepath.Join(dir, tb.name))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		t.Files++
		t.add(b, tb.parse)
	}
	if t.Files == 0 {
		return nil, firstErr
	}
	return t, nil
}

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
// tables, then of their lines.
func (t *Tables) Each(fn func(*Socket)) {
	for _, chunk := range t.socks {
		for i := range chunk {
			s := chunk[i]
			fn(&s)
		}
	}
}

func newTables() *Tables {
	return &Tables{byInode: map[uint64]int32{}}
}
