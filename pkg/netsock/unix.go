package netsock

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
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
	unixDiagName      = 0
	unixDiagVFS       = 1
)

// unixDiag is what sock_diag tells of one unix socket.
type unixDiag struct {
	name           []byte // sun_path as bound; an abstract name starts with NUL
	vfsDev, vfsIno uint64 // the bound file; 0 for abstract and unbound sockets
}

// dumpUnix returns the unix sockets of the network namespace of nsPath
// (ours for "") by inode, from sock_diag.
func dumpUnix(nsPath string) (map[uint64]unixDiag, error) {
	fd, err := diagSocketFD(nsPath)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	req := make([]byte, sizeofUnixDiagReq)
	req[0] = unix.AF_UNIX
	ne := binary.NativeEndian
	ne.PutUint32(req[4:], 0xffffffff) // every state
	ne.PutUint32(req[12:], udiagShowName|udiagShowVFS)
	ne.PutUint32(req[16:], 0xffffffff) // no cookie
	ne.PutUint32(req[20:], 0xffffffff)
	socks := map[uint64]unixDiag{}
	err = diagDump(fd, req, sizeofUnixDiagMsg, func(m []byte) {
		ino, d := parseUnixDiag(m)
		if ino != 0 {
			socks[ino] = d
		}
	})
	if err != nil {
		return nil, err
	}
	return socks, nil
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
			d.name = bytes.Clone(val)
		case unixDiagVFS:
			if len(val) >= 8 {
				// The kernel's dev_t: a 12-bit major above a 20-bit minor.
				dev := ne.Uint32(val[4:])
				d.vfsDev = unix.Mkdev(dev>>20, dev&(1<<20-1))
				d.vfsIno = uint64(ne.Uint32(val[0:]))
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
// their Path exact, and Bound set to the file they are bound to. When no
// dump can be had, the table alone is used, and an inode on more than
// one line is left out, as a line may have been forged. The Socket is
// only valid during the call. ReadUnix fails only when the table cannot
// be read.
func ReadUnix(dir string, own bool, fn func(*Socket)) error {
	// The table first: a socket in it that is still open by the dump's
	// time is in the dump.
	b, err := os.ReadFile(filepath.Join(dir, "unix"))
	if err != nil {
		return err
	}
	nsPath := ""
	if !own {
		nsPath = filepath.Join(filepath.Dir(dir), "ns", "net")
	}
	dump, err := dumpUnix(nsPath)
	if err != nil {
		eachUnchecked(b, fn)
		return nil
	}
	eachChecked(b, dump, fn)
	return nil
}

// eachChecked calls fn with the sockets of table text b that dump
// confirms.
func eachChecked(b []byte, dump map[uint64]unixDiag, fn func(*Socket)) {
	_, b, _ = bytes.Cut(b, []byte("\n")) // the header
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		s, err := parseUnixLine(line)
		if err != nil {
			continue
		}
		d, ok := dump[s.Inode]
		if !ok {
			continue // closed since, or not a socket's line
		}
		name := nameText(d.name)
		first, _, _ := strings.Cut(name, "\n")
		if s.Path != first {
			continue
		}
		// The rest of the name is on the following lines.
		for range strings.Count(name, "\n") {
			_, b, _ = bytes.Cut(b, []byte("\n"))
		}
		s.Path, s.Checked = name, true
		s.BoundDev, s.BoundIno = d.vfsDev, d.vfsIno
		fn(&s)
	}
}

// eachUnchecked calls fn with the sockets of table text b whose inode is
// on one line only.
func eachUnchecked(b []byte, fn func(*Socket)) {
	var socks []Socket
	lines := map[uint64]int{}
	eachSocket(b, parseUnixLine, func(s *Socket) {
		socks = append(socks, *s)
		lines[s.Inode]++
	})
	for i := range socks {
		if lines[socks[i].Inode] == 1 {
			fn(&socks[i])
		}
	}
}
