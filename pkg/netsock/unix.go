//go:build linux

package netsock

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/internal/rawread"
)

// Unix sockets come from two sources that each lack something. The
// /proc/net/unix table has what lsof prints (the kernel address, the
// socket state, the listening flag), but it prints names as they are:
// a name that holds a newline reads as two lines, and its owner chooses
// the second, which can name another process's socket inode and a path
// of the owner's choosing. sock_diag gives every socket's name as bytes
// and the device and inode of the file it is bound to, but not the
// kernel address. So the table's lines are checked against a dump: a
// line stands only when the dump has its inode and the line starts that
// socket's name, and the lines a name's newlines made are passed over as
// part of the name.

// Sizes and values of linux/unix_diag.h.
const (
	sizeofUnixDiagReq = 24 // family, protocol, pad, states, ino, show, cookie
	sizeofUnixDiagMsg = 16 // family, type, state, pad, ino, cookie
	udiagShowName     = 0x1
	udiagShowVFS      = 0x2
	udiagShowPeer     = 0x4
	udiagShowIcons    = 0x8
	unixDiagName      = 0
	unixDiagVFS       = 1
	unixDiagPeer      = 2
	unixDiagIcons     = 3
)

// unixDiag is what sock_diag tells of one unix socket. Its inodes have
// the 32 bits sock_diag gives.
type unixDiag struct {
	name   string // sun_path as /proc/net/unix prints it (nameText)
	vfsDev uint64 // the bound file; 0 for abstract and unbound sockets
	vfsIno uint32
	peer   uint32 // the socket connected to it, 0 for none
	icons  []byte // of a listener: the clients of its pending connections, 32-bit inodes
}

// unixDump is a sock_diag dump of unix sockets, in the order the kernel
// gave them.
type unixDump struct {
	list  []unixEntry
	index map[uint64]int // list's positions by inode, made when first needed
	next  int            // where find looks first
}

// unixEntry is one socket of a dump.
type unixEntry struct {
	ino uint64
	unixDiag
}

// find returns the dump's socket ino. The table and sock_diag walk the
// namespace's hash of unix sockets in the same order, so the socket a
// line names is most often the one after the last found, and the dump
// is indexed only when it is not: when sockets came or went between the
// two reads, or a line is not a socket's.
func (d *unixDump) find(ino uint64) (*unixDiag, bool) {
	if d.next < len(d.list) && d.list[d.next].ino == ino {
		d.next++
		return &d.list[d.next-1].unixDiag, true
	}
	if d.index == nil {
		d.index = make(map[uint64]int, len(d.list))
		for i := range d.list {
			d.index[d.list[i].ino] = i
		}
	}
	i, ok := d.index[ino]
	if !ok {
		return nil, false
	}
	d.next = i + 1
	return &d.list[i].unixDiag, true
}

// dumpUnix returns the unix sockets of the network namespace of nsPath
// (ours for ""), from sock_diag, with their peers and pending
// connections when peers is set. about is how many there are likely to
// be, for the dump's room.
func dumpUnix(nsPath string, peers bool, about int) (*unixDump, error) {
	fd, err := diagSocketFD(nsPath)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	req := make([]byte, sizeofUnixDiagReq)
	req[0] = unix.AF_UNIX
	ne := binary.NativeEndian
	ne.PutUint32(req[4:], 0xffffffff) // every state
	show := uint32(udiagShowName | udiagShowVFS)
	if peers {
		show |= udiagShowPeer | udiagShowIcons
	}
	ne.PutUint32(req[12:], show)
	ne.PutUint32(req[16:], 0xffffffff) // no cookie
	ne.PutUint32(req[20:], 0xffffffff)
	dump := &unixDump{list: make([]unixEntry, 0, about)}
	err = diagDump(fd, req, sizeofUnixDiagMsg, func(m []byte) {
		ino, d := parseUnixDiag(m)
		if ino != 0 {
			dump.list = append(dump.list, unixEntry{ino, d})
		}
	})
	if err != nil {
		return nil, err
	}
	return dump, nil
}

// unixPeers pairs the sockets in the table as lsof 4.95 does, in the
// dump's order: a socket and the one sock_diag names as its peer are
// each other's peer, unless one has one already (so a datagram socket
// that many send to is the peer of the first of them); a listener's
// first pending connection in the table is its client. Only sockets in
// the table count.
func unixPeers(dump *unixDump, inTable func(uint64) bool) (peer, pending map[uint64]uint64) {
	peer, pending = map[uint64]uint64{}, map[uint64]uint64{}
	ne := binary.NativeEndian
	for i := range dump.list {
		ino, d := dump.list[i].ino, &dump.list[i].unixDiag
		if p := uint64(d.peer); p != 0 && inTable(ino) && inTable(p) {
			if peer[ino] == 0 {
				peer[ino] = p
			}
			if peer[p] == 0 {
				peer[p] = ino
			}
		}
		for i := 0; i+4 <= len(d.icons) && pending[ino] == 0 && inTable(ino); i += 4 {
			if c := uint64(ne.Uint32(d.icons[i:])); c != 0 && inTable(c) {
				pending[ino] = c
			}
		}
	}
	return peer, pending
}

// parseUnixDiag reads a unix_diag_msg and its attributes.
func parseUnixDiag(m []byte) (uint64, unixDiag) {
	ne := binary.NativeEndian
	ino := uint64(ne.Uint32(m[4:]))
	var d unixDiag
	for a := m[sizeofUnixDiagMsg:]; len(a) >= unix.SizeofRtAttr; {
		size := int(ne.Uint16(a[0:]))
		if size < unix.SizeofRtAttr || size > len(a) {
			break
		}
		val := a[unix.SizeofRtAttr:size]
		switch ne.Uint16(a[2:]) {
		case unixDiagName:
			d.name = nameText(val)
		case unixDiagPeer:
			if len(val) >= 4 {
				d.peer = ne.Uint32(val)
			}
		case unixDiagIcons:
			d.icons = bytes.Clone(val)
		case unixDiagVFS:
			if len(val) >= 8 {
				// The kernel's dev_t: a 12-bit major above a 20-bit minor.
				dev := ne.Uint32(val[4:])
				d.vfsDev = unix.Mkdev(dev>>20, dev&(1<<20-1))
				d.vfsIno = ne.Uint32(val[0:])
			}
		}
		a = a[min(len(a), (size+unix.RTA_ALIGNTO-1)&^(unix.RTA_ALIGNTO-1)):]
	}
	return ino, d
}

// nameText returns a bound name as /proc/net/unix prints it: an abstract
// name's leading NUL and every other NUL as '@', a path without its
// terminating NUL.
func nameText(name []byte) string {
	if len(name) == 0 {
		return ""
	}
	if name[0] != 0 {
		name = name[:len(name)-1]
	}
	b := make([]byte, 0, len(name))
	for _, c := range name {
		if c == 0 {
			c = '@'
		}
		b = append(b, c)
	}
	return string(b)
}

// ReadUnix calls fn with each unix socket of the table in dir, a
// /proc/PID/net directory, in the order of its lines. The sockets are
// checked against a sock_diag dump of the same namespace: that of our
// own process when own is set, else that of dir's process (which needs
// the right to enter its namespace). Checked sockets have Checked set,
// their Path exact, and Bound set to the file they are bound to; with
// peers, also Peer and Pending. When no dump can be had, the table alone
// is used, and an inode on more than one line is left out, as a line
// may have been forged. The Socket is only valid during the call.
// ReadUnix fails only when the table cannot be read; a read that fails
// part of the way leaves fn called with the lines before.
//
// The dump is made first, and the table read line by line as it is
// checked, in one buffer: a namespace's table (26,000 lines of 1.6 MB at
// the bench's 1000 x 160) is never held whole. A socket open throughout
// is in both; one opened between the two is passed over, as one closed
// between them would be in the other order.
func ReadUnix(dir string, own, peers bool, fn func(*Socket)) error {
	f, err := os.Open(filepath.Join(dir, "unix"))
	if err != nil {
		return err
	}
	defer f.Close()
	nsPath := ""
	if !own {
		nsPath = filepath.Join(filepath.Dir(dir), "ns", "net")
	}
	dump, dumpErr := dumpUnix(nsPath, peers, unixCount(dir))
	var r io.Reader = f
	if raw, err := rawread.New(f); err == nil {
		r = raw
	}
	if dumpErr != nil {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		eachUnchecked(b, fn)
		return nil
	}
	lines := &lineReader{r: r, buf: make([]byte, rawread.MaxRead)}
	eachChecked(lines.next, dump, peers, fn)
	return lines.err
}

// unixCount returns how many unix sockets the network namespace of dir,
// a /proc/PID/net directory, has, as its protocols file counts them, or
// 0 where it cannot tell: room for a dump, which would otherwise grow to
// twice its size.
func unixCount(dir string) int {
	b, err := rawread.ReadFile(filepath.Join(dir, "protocols"))
	if err != nil {
		return 0
	}
	n := 0
	for line := range bytes.Lines(b) {
		// "UNIX-STREAM 1152  26002 ...": the name, the size, the count.
		if !bytes.HasPrefix(line, []byte("UNIX")) {
			continue
		}
		f := bytes.Fields(line)
		if len(f) >= 3 {
			v, _ := strconv.Atoi(string(f[2]))
			n += max(v, 0)
		}
	}
	return n
}

// lineReader reads a file line by line into one buffer, which grows only
// for a line longer than it.
type lineReader struct {
	r          io.Reader
	buf        []byte
	start, end int   // the bytes of buf read and not yet returned
	err        error // the read's error, nil at the end of the file
	eof        bool
}

// next returns the next line, without its newline, valid until the next
// call; false at the end of the file or on an error (err).
func (l *lineReader) next() ([]byte, bool) {
	for {
		if i := bytes.IndexByte(l.buf[l.start:l.end], '\n'); i >= 0 {
			line := l.buf[l.start : l.start+i]
			l.start += i + 1
			return line, true
		}
		if l.eof || l.err != nil {
			if l.start == l.end {
				return nil, false
			}
			line := l.buf[l.start:l.end] // a last line without its newline
			l.start = l.end
			return line, true
		}
		l.end = copy(l.buf, l.buf[l.start:l.end])
		l.start = 0
		if l.end == len(l.buf) {
			l.buf = slices.Grow(l.buf, len(l.buf))[:2*len(l.buf)]
		}
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		switch {
		case err == io.EOF || n == 0 && err == nil:
			l.eof = true
		case err != nil:
			l.err = err
		}
	}
}

// eachChecked calls fn with the sockets of the table whose lines next
// gives that dump confirms, with their peers.
func eachChecked(next func() ([]byte, bool), dump *unixDump, peers bool, fn func(*Socket)) {
	next()               // the header
	var s Socket         // one for every line: fn does not keep it
	var socks []unixSock // with peers: they are paired after the table
	for {
		line, ok := next()
		if !ok {
			break
		}
		path, err := parseUnixFields(line, &s)
		if err != nil {
			continue
		}
		d, ok := dump.find(s.Inode)
		if !ok {
			continue // opened since, or not a socket's line
		}
		first, _, _ := strings.Cut(d.name, "\n")
		if string(path) != first {
			continue
		}
		// The rest of the name is on the following lines.
		for range strings.Count(d.name, "\n") {
			next()
		}
		s.Path, s.Checked = d.name, true
		s.BoundDev, s.BoundIno = d.vfsDev, uint64(d.vfsIno)
		if peers {
			socks = append(socks, unixSockOf(&s))
		} else {
			fn(&s)
		}
	}
	if !peers {
		return
	}
	listed := make(map[uint64]bool, len(socks))
	for i := range socks {
		listed[socks[i].inode] = true
	}
	peer, pending := unixPeers(dump, func(ino uint64) bool { return listed[ino] })
	for i := range socks {
		s = socks[i].socket()
		s.Peer, s.Pending = peer[s.Inode], pending[s.Inode]
		fn(&s)
	}
}

// eachUnchecked calls fn with the sockets of table text b whose inode is
// on one line only.
func eachUnchecked(b []byte, fn func(*Socket)) {
	var socks []unixSock
	lines := map[uint64]int{}
	eachSocket(b, parseUnixLine, func(s *Socket) {
		socks = append(socks, unixSockOf(s))
		lines[s.Inode]++
	})
	var s Socket
	for i := range socks {
		if lines[socks[i].inode] == 1 {
			s = socks[i].socket()
			fn(&s)
		}
	}
}
