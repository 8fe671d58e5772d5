//go:build linux

package render

import (
	"bufio"
	"io"
	"strconv"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// FieldLetters are the -F field letters this lsof writes, with lsof's
// descriptions, in lsof's order of explanation.
var FieldLetters = []struct {
	Letter byte
	Desc   string
}{
	{'a', "access: r = read; w = write; u = read/write"},
	{'c', "command name"},
	{'d', "device character code"},
	{'D', "major/minor device number as 0x<hex>"},
	{'f', "file descriptor"},
	{'G', "file flaGs"},
	{'i', "inode number"},
	{'k', "link count"},
	{'K', "task ID (TID)"},
	{'l', "lock: r/R = read; w/W = write; u = read/write"},
	{'L', "login name"},
	{'m', "marker between repeated output"},
	{'M', "task comMand name"},
	{'n', "comment, name, Internet addresses"},
	{'o', "file offset as 0t<dec> or 0x<hex>"},
	{'p', "process ID (PID)"},
	{'g', "process group ID (PGID)"},
	{'P', "protocol name"},
	{'r', "raw device number as 0x<hex>"},
	{'R', "paRent PID"},
	{'s', "file size"},
	{'S', "stream module and device names"},
	{'t', "file type"},
	{'T', "TCP/TPI info"},
	{'u', "user ID (UID)"},
	{'w', "network namespace inode (ours)"},
	{'j', "container: runtime:ID[;pod=UID] (ours)"},
	{'0', "(zero) use NUL field terminator instead of NL"},
}

// SizeOffMode says whether SIZE/OFF shows a size or an offset.
type SizeOffMode uint8

// SIZE/OFF modes: lsof's default by file type, -o (offsets), -s
// (sizes), and a SIZE and an OFFSET column both (beyond lsof).
const (
	SizeOffAuto SizeOffMode = iota
	OffsetOnly
	SizeOnly
	SizeAndOffset
)

// FieldWriter writes lsof's -F output: a set of fields for each process,
// then a set for each of its files, one field per line (or ended by NUL
// with -F0).
type FieldWriter struct {
	bw           *bufio.Writer
	set          [128]bool
	term         byte
	esc          Escaper
	mode         SizeOffMode
	offsetDigits int
	numericUser  bool
	flagNames    bool // the G field in names (+f g), not hexadecimal
	last         *fdscan.Process
	b            []byte
}

// NewFieldWriter returns a writer of the field letters in set (a NUL
// terminator when it holds '0').
func NewFieldWriter(w io.Writer, set string, esc Escaper, mode SizeOffMode, offsetDigits int, numericUser bool) *FieldWriter {
	f := &FieldWriter{
		bw: bufio.NewWriterSize(w, 64<<10), term: '\n', esc: esc,
		mode: mode, offsetDigits: offsetDigits, numericUser: numericUser,
	}
	for i := 0; i < len(set); i++ {
		if set[i] < 128 {
			f.set[set[i]] = true
		}
	}
	if f.set['0'] {
		f.term = 0
	}
	f.set['p'] = true // always
	return f
}

// NameFlags has the G field show open flags by name, as after lsof's
// +f g, instead of in hexadecimal.
func (w *FieldWriter) NameFlags() { w.flagNames = true }

func (w *FieldWriter) field(letter byte, value string) {
	if !w.set[letter] {
		return
	}
	w.b = append(append(append(w.b, letter), value...), w.term)
}

// endSet ends a process or file set: with NUL terminators, lsof ends
// each set with a newline too.
func (w *FieldWriter) endSet() {
	if w.term == 0 {
		w.b = append(w.b, '\n')
	}
}

// Write writes entry e (and its process's set first, if e is the
// process's first entry written).
func (w *FieldWriter) Write(e *join.Entry) error {
	w.b = w.b[:0]
	if e.Process != w.last {
		w.last = e.Process
		w.process(e)
	}
	w.file(e)
	_, err := w.bw.Write(w.b)
	return err
}

// Marker writes the line between repeated listings.
func (w *FieldWriter) Marker(text string) error {
	w.b = append(append(append(w.b[:0], 'm'), text...), w.term)
	w.endSet()
	w.last = nil
	_, err := w.bw.Write(w.b)
	return err
}

// Flush writes out what is buffered.
func (w *FieldWriter) Flush() error { return w.bw.Flush() }

func (w *FieldWriter) process(e *join.Entry) {
	p := e.Process
	w.field('p', strconv.Itoa(p.PID))
	if p.TID != 0 {
		w.field('K', strconv.Itoa(p.TID))
		w.field('M', w.esc.String(p.TaskCommand))
	}
	w.field('g', strconv.Itoa(p.PGID))
	w.field('R', strconv.Itoa(p.PPID))
	w.field('c', w.esc.String(p.Command))
	w.field('u', strconv.FormatUint(uint64(p.UID), 10))
	if e.User != "" && !w.numericUser {
		w.field('L', e.User)
	}
	if w.set['w'] && p.NetNS != 0 {
		w.field('w', strconv.FormatUint(p.NetNS, 10))
	}
	if w.set['j'] {
		if c := ContainerText(fdscan.ContainerOf(p.Cgroup), false); c != "" {
			w.field('j', w.esc.String(c))
		}
	}
	w.endSet()
}

func (w *FieldWriter) file(e *join.Entry) {
	f, sock := e.File, e.Socket
	w.field('f', FD(f))
	w.field('a', string(Mode(f)))
	w.field('l', string(Lock(f)))
	var sc Socket
	var typ, name string
	if sock != nil {
		sc = SocketColumns(e)
		typ, name = sc.Type, sc.Addr
		if e.Endpoints != "" {
			name += " " + e.Endpoints
		}
	} else {
		typ, name = Type(f), Name(e)
	}
	if typ != "" {
		w.field('t', typ)
	}
	if f.Kind == fdscan.KindFD && f.HasFlags && w.set['G'] {
		if w.flagNames {
			// With no flags, lsof's names are nothing, and so is the field.
			if g := AppendFileFlags(nil, f.Flags, FlagsNames); len(g) > 0 {
				w.field('G', string(g))
			}
		} else {
			w.field('G', string(AppendFileFlags(nil, f.Flags, FlagsHex)))
		}
	}
	isSocket := sock != nil
	switch {
	case isSocket && sc.Device != "":
		w.field('d', sc.Device)
	case exemptUnknown(f):
		w.field('d', "UNKNOWN")
	case !isSocket && !unreadable(f):
		w.field('D', "0x"+strconv.FormatUint(f.Dev, 16))
		if (f.Type == fdscan.TypeChr || f.Type == fdscan.TypeBlk) && f.Rdev != 0 {
			w.field('r', "0x"+strconv.FormatUint(f.Rdev, 16))
		}
	}
	if off, ok := sizeOrOffset(f, w.mode); ok {
		if off {
			w.field('o', offsetText(f.Pos, w.offsetDigits))
		} else {
			w.field('s', strconv.FormatInt(f.Size, 10))
		}
	}
	inet := isSocket && sc.Inet
	if !unreadable(f) && !exemptUnknown(f) && !inet && !(isSocket && sock.Proto == netsock.ProtoPacket) {
		w.field('i', strconv.FormatUint(f.Inode, 10))
	}
	if !unreadable(f) && !f.Exempt && f.Kind != fdscan.KindDel && f.PathInode == 0 && f.Type != fdscan.TypeSock {
		w.field('k', strconv.FormatUint(f.NLink, 10))
	}
	if isSocket && sc.Proto != "" {
		w.field('P', sc.Proto)
	}
	w.field('n', w.esc.String(name))
	if isSocket && w.set['T'] {
		if sc.State != "" {
			w.field('T', "ST="+sc.State)
		}
		if inet {
			w.field('T', "QR="+strconv.FormatUint(sock.RxQueue, 10))
			w.field('T', "QS="+strconv.FormatUint(sock.TxQueue, 10))
		}
	}
	w.endSet()
}

// sizeOrOffset says whether the SIZE/OFF column (or the s and o fields)
// shows f's offset or its size, and false when it shows neither. By
// default regular files, directories and anonymous inodes show a size,
// other files the offset of their descriptor.
func sizeOrOffset(f *fdscan.File, mode SizeOffMode) (offset, ok bool) {
	if f.Err != nil || f.Kind == fdscan.KindDel || f.PathInode != 0 {
		return false, false
	}
	if f.Exempt {
		// Not stat'ed (-e): lsof shows an offset (from fdinfo, or 0) only
		// where asked for offsets, and none for a mapped file.
		return true, mode == OffsetOnly && f.Kind != fdscan.KindMem
	}
	sized := f.Type == fdscan.TypeReg || f.Type == fdscan.TypeDir || f.Type == fdscan.TypeAnon || f.Type == fdscan.TypeLink ||
		f.Type == fdscan.TypeMQueue
	switch {
	case mode == OffsetOnly, mode == SizeOffAuto && !sized:
		return true, f.HasPos
	case sized:
		return false, true
	}
	return false, false
}

// offsetText formats an offset in 0t decimal, or 0x hexadecimal past
// digits decimal digits (never, when digits is 0).
func offsetText(off int64, digits int) string { return string(appendOffset(nil, off, digits)) }

func appendOffset(b []byte, off int64, digits int) []byte {
	start := len(b)
	b = strconv.AppendInt(append(b, "0t"...), off, 10)
	if digits > 0 && len(b)-start-2 > digits {
		return strconv.AppendInt(append(b[:start], "0x"...), off, 16)
	}
	return b
}
