//go:build linux

package netsock

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"net/netip"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/internal/rawread"
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
	// Each kind of socket has a record of its own, so that none pays
	// for another's fields: Internet (raw and ICMP too) and unix ones,
	// and Socket itself for the few netlink and packet ones. The tables
	// are read in that order, which is so Each's. byInode has a record's
	// kind and index (small values keep the map cheap to fill), by
	// inode: of 32 bits, all a socket's has (the kernel numbers them
	// with get_next_ino), but in bigInodes, for a table that says
	// otherwise.
	inet      chunks[inetSock]
	addrs6    chunks[[2][16]byte] // the addresses of IPv6 inetSocks
	unix      chunks[unixSock]
	other     chunks[Socket]
	byInode   map[uint32]sockRef
	bigInodes map[uint64]sockRef
	// Files is how many table files were read to build it.
	Files int
	// errs holds why table files asked for could not be read, by name.
	errs map[string]error
}

// sockRef is a socket's record in Tables: its kind in the top two bits,
// its index in the rest.
type sockRef uint32

const (
	kindInet = iota
	kindUnix
	kindOther
	refKindShift = 30
)

func (r sockRef) kind() int  { return int(r >> refKindShift) }
func (r sockRef) index() int { return int(r & (1<<refKindShift - 1)) }

// inetSock is what Tables keep of an Internet socket: the addresses as
// bytes, not netip's Addr, which holds a pointer (its zone), so that the
// records have none for the garbage collector to scan; queues of 32
// bits, all the kernel writes. An IPv4 socket's addresses are in the
// record, 32 bytes in all; an IPv6 one's in Tables.addrs6, at the index
// local holds: most sockets are IPv4, and 16 bytes an address would
// take 56 bytes for each.
type inetSock struct {
	inode            uint64
	local, remote    [4]byte
	lport, rport     uint16
	txQueue, rxQueue uint32
	proto            Proto
	v6               bool // from an IPv6 table, whose parsers give 16-byte addresses, the others 4
	state            uint8
}

// inetSockOf returns the record of s, adding an IPv6 socket's addresses
// to t.addrs6.
func (t *Tables) inetSockOf(s *Socket) inetSock {
	r := inetSock{
		inode: s.Inode, lport: s.Local.Port(), rport: s.Remote.Port(),
		txQueue: uint32(s.TxQueue), rxQueue: uint32(s.RxQueue),
		proto: s.Proto, v6: s.IPv6, state: s.State,
	}
	if s.IPv6 {
		i := t.addrs6.add([2][16]byte{s.Local.Addr().As16(), s.Remote.Addr().As16()})
		binary.LittleEndian.PutUint32(r.local[:], uint32(i))
		return r
	}
	r.local, r.remote = addr4(s.Local.Addr()), addr4(s.Remote.Addr())
	return r
}

// addr4 is a's four bytes: an IPv4 table's address, which its parsers
// make of four.
func addr4(a netip.Addr) [4]byte {
	if a = a.Unmap(); a.Is4() {
		return a.As4()
	}
	return [4]byte{}
}

// inetSocket returns the socket of record r.
func (t *Tables) inetSocket(r *inetSock) Socket {
	s := Socket{
		Inode: r.inode, Proto: r.proto, IPv6: r.v6, State: r.state,
		Local:   netip.AddrPortFrom(netip.AddrFrom4(r.local), r.lport),
		Remote:  netip.AddrPortFrom(netip.AddrFrom4(r.remote), r.rport),
		TxQueue: uint64(r.txQueue), RxQueue: uint64(r.rxQueue),
	}
	if r.v6 {
		a := t.addrs6.at(int(binary.LittleEndian.Uint32(r.local[:])))
		s.Local = netip.AddrPortFrom(netip.AddrFrom16(a[0]), r.lport)
		s.Remote = netip.AddrPortFrom(netip.AddrFrom16(a[1]), r.rport)
	}
	return s
}

// unixSock is what Tables keep of a unix socket. The peers' and the
// bound file's inodes have 32 bits, all sock_diag gives.
type unixSock struct {
	inode, addr             uint64
	path                    string
	boundDev                uint64
	boundIno, peer, pending uint32
	flags                   uint32
	typ                     uint16
	state, addrDigits       uint8
	checked                 bool
}

func unixSockOf(s *Socket) unixSock {
	return unixSock{
		inode: s.Inode, addr: s.Addr, path: s.Path, boundDev: s.BoundDev,
		boundIno: uint32(s.BoundIno), peer: uint32(s.Peer), pending: uint32(s.Pending),
		flags: s.Flags, typ: s.Type, state: s.State, addrDigits: s.addrDigits, checked: s.Checked,
	}
}

func (r *unixSock) socket() Socket {
	return Socket{
		Inode: r.inode, Proto: ProtoUnix, Addr: r.addr, Path: r.path, BoundDev: r.boundDev,
		BoundIno: uint64(r.boundIno), Peer: uint64(r.peer), Pending: uint64(r.pending),
		Flags: r.flags, Type: r.typ, State: r.state, addrDigits: r.addrDigits, Checked: r.checked,
	}
}

// chunks holds records in chunks of up to chunkLen, never copied once
// full: only the first grows as a slice does, so that a namespace of few
// sockets costs little.
type chunks[T any] struct {
	c [][]T
	n int
}

const chunkLen = 4096

func (c *chunks[T]) add(r T) int {
	if c.n%chunkLen == 0 {
		c.c = append(c.c, nil)
		if c.n > 0 {
			c.c[len(c.c)-1] = make([]T, 0, chunkLen)
		}
	}
	last := &c.c[len(c.c)-1]
	if len(*last) == cap(*last) {
		*last = slices.Grow(*last, min(max(2*len(*last), 16), chunkLen)-len(*last))
	}
	*last = append(*last, r)
	c.n++
	return c.n - 1
}

func (c *chunks[T]) at(i int) *T { return &c.c[i/chunkLen][i%chunkLen] }

func (c *chunks[T]) each(fn func(*T)) {
	for _, chunk := range c.c {
		for i := range chunk {
			fn(&chunk[i])
		}
	}
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
		b, err := readTable(filepath.Join(dir, tb.name))
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

// readTable returns the text of the table file path. Its read runs in
// the kernel under the tables' spinlocks and never waits, so it is read
// with raw reads (package rawread).
func readTable(path string) ([]byte, error) {
	return rawread.ReadFile(path)
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

// addSocket adds s unless a socket of its inode is in already.
func (t *Tables) addSocket(s *Socket) {
	if _, dup := t.ref(s.Inode); dup {
		return
	}
	var ref sockRef
	switch {
	case s.Proto == ProtoUnix:
		ref = kindUnix<<refKindShift | sockRef(t.unix.add(unixSockOf(s)))
	case s.Proto.Inet() || s.Proto == ProtoRaw || s.Proto == ProtoICMP:
		ref = kindInet<<refKindShift | sockRef(t.inet.add(t.inetSockOf(s)))
	default:
		ref = kindOther<<refKindShift | sockRef(t.other.add(*s))
	}
	if s.Inode > math.MaxUint32 {
		if t.bigInodes == nil {
			t.bigInodes = map[uint64]sockRef{}
		}
		t.bigInodes[s.Inode] = ref
		return
	}
	t.byInode[uint32(s.Inode)] = ref
}

// ref returns the record of the socket with the given inode.
func (t *Tables) ref(inode uint64) (sockRef, bool) {
	if inode > math.MaxUint32 {
		ref, ok := t.bigInodes[inode]
		return ref, ok
	}
	ref, ok := t.byInode[uint32(inode)]
	return ref, ok
}

// eachSocket calls fn with the socket of each line of a table's text,
// after the header, leaving out lines that do not parse and sockets with
// no inode (as in TIME_WAIT). The Socket is only valid during the call.
func eachSocket(b []byte, parse func([]byte) (Socket, error), fn func(*Socket)) {
	_, b, _ = bytes.Cut(b, []byte("\n")) // the header
	var s Socket                         // one for every line: fn does not keep it
	for len(b) > 0 {
		var line []byte
		var err error
		line, b, _ = bytes.Cut(b, []byte("\n"))
		s, err = parse(line)
		if err != nil || s.Inode == 0 {
			continue
		}
		fn(&s)
	}
}

// Lookup returns the socket with the given inode.
func (t *Tables) Lookup(inode uint64) (Socket, bool) {
	ref, ok := t.ref(inode)
	if !ok {
		return Socket{}, false
	}
	switch ref.kind() {
	case kindInet:
		return t.inetSocket(t.inet.at(ref.index())), true
	case kindUnix:
		return t.unix.at(ref.index()).socket(), true
	}
	return *t.other.at(ref.index()), true
}

// Each calls fn with every socket of the tables, in the order of the
// tables, then of their lines. fn is given one Socket, filled anew for
// each (a copy per socket would escape, an allocation each): it must
// neither change nor keep it.
func (t *Tables) Each(fn func(*Socket)) {
	var s Socket
	t.inet.each(func(r *inetSock) {
		s = t.inetSocket(r)
		fn(&s)
	})
	t.unix.each(func(r *unixSock) {
		s = r.socket()
		fn(&s)
	})
	t.other.each(func(r *Socket) {
		s = *r
		fn(&s)
	})
}

func newTables() *Tables {
	return &Tables{byInode: map[uint32]sockRef{}}
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
