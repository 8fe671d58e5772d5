//go:build linux

package render

import (
	"slices"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"golang.org/x/sys/unix"
)

// FD returns lsof's FD text without the mode and lock characters: cwd,
// rtd, txt, mem, DEL, or the descriptor number, with numbers of 10000 and
// above shown as * and their last three digits.
func FD(f *fdscan.File) string { return string(appendFD(nil, f)) }

func appendFD(b []byte, f *fdscan.File) []byte {
	switch f.Kind {
	case fdscan.KindCWD:
		return append(b, "cwd"...)
	case fdscan.KindRoot:
		return append(b, "rtd"...)
	case fdscan.KindText:
		return append(b, "txt"...)
	case fdscan.KindMem:
		return append(b, "mem"...)
	case fdscan.KindDel:
		return append(b, "DEL"...)
	case fdscan.KindNoFD:
		return append(b, "NOFD"...)
	}
	if f.FD >= 10000 {
		n := f.FD % 1000
		return append(b, '*', byte('0'+n/100), byte('0'+n/10%10), byte('0'+n%10))
	}
	return strconv.AppendInt(b, int64(f.FD), 10)
}

// Mode returns the access mode character: a blank when there is none, or
// '-' when there is none but a lock is held.
func Mode(f *fdscan.File) byte {
	if f.Mode == fdscan.ModeNone || f.Err != nil {
		if f.Lock != 0 {
			return '-'
		}
		return ' '
	}
	return byte(f.Mode)
}

// Lock returns the lock character, or a blank.
func Lock(f *fdscan.File) byte {
	if f.Lock == 0 {
		return ' '
	}
	return f.Lock
}

// Type returns lsof's TYPE text.
func Type(f *fdscan.File) string {
	if f.Kind == fdscan.KindNoFD {
		return ""
	}
	if unreadable(f) {
		return "unknown"
	}
	if f.Exempt {
		return exemptType(f)
	}
	switch f.Type {
	case fdscan.TypeReg:
		return "REG"
	case fdscan.TypeDir:
		return "DIR"
	case fdscan.TypeChr:
		return "CHR"
	case fdscan.TypeBlk:
		return "BLK"
	case fdscan.TypeFIFO:
		return "FIFO"
	case fdscan.TypeLink:
		return "LINK"
	case fdscan.TypeSock:
		return "sock"
	case fdscan.TypeAnon:
		return "a_inode"
	case fdscan.TypeMQueue:
		return "PSXMQ"
	}
	return "unknown"
}

// Device returns the DEVICE text: major,minor of the device a character or
// block special file is, or of the file system holding any other file.
func Device(f *fdscan.File) string { return string(appendDevice(nil, f)) }

func appendDevice(b []byte, f *fdscan.File) []byte {
	if unreadable(f) {
		return b
	}
	if exemptUnknown(f) {
		return append(b, "UNKNOWN"...)
	}
	d := f.Dev
	if f.Type == fdscan.TypeChr || f.Type == fdscan.TypeBlk {
		d = f.Rdev
	}
	return appendDev(b, d)
}

func devString(d uint64) string { return string(appendDev(nil, d)) }

func appendDev(b []byte, d uint64) []byte {
	b = strconv.AppendUint(b, uint64(unix.Major(d)), 10)
	return strconv.AppendUint(append(b, ','), uint64(unix.Minor(d)), 10)
}

// exemptType is lsof's TYPE of a file it was told not to stat (-e):
// UNKN and what the FD column says, in lower case.
func exemptType(f *fdscan.File) string {
	switch f.Kind {
	case fdscan.KindCWD:
		return "UNKNcwd"
	case fdscan.KindRoot:
		return "UNKNrtd"
	case fdscan.KindText:
		return "UNKNtxt"
	case fdscan.KindMem:
		return "UNKNmem"
	case fdscan.KindDel:
		return "UNKNdel"
	}
	return "UNKNfd"
}

// exemptUnknown reports whether f was not stat'ed (-e) and nothing but
// its name is known: a mapped file has its device and inode from the
// maps.
func exemptUnknown(f *fdscan.File) bool {
	return f.Exempt && f.Kind != fdscan.KindMem && f.Kind != fdscan.KindDel
}

// unreadable reports whether nothing but a name is known of f. A mapped
// file still has the device and inode from the maps when stat fails.
func unreadable(f *fdscan.File) bool {
	return f.Err != nil && f.Kind != fdscan.KindMem
}

// appendSizeOff appends the SIZE/OFF text in a mode, with offsets in
// decimal up to digits digits: in lsof's default mode, the size of
// regular files, directories and anonymous inodes, the offset (0tN, or
// 0xN past eight digits) of devices, pipes and sockets, and nothing for
// deleted mappings.
func appendSizeOff(b []byte, f *fdscan.File, mode SizeOffMode, digits int) []byte {
	off, ok := sizeOrOffset(f, mode)
	switch {
	case !ok:
		return b
	case off:
		return appendOffset(b, f.Pos, digits)
	}
	return strconv.AppendInt(b, f.Size, 10)
}

// defaultOffsetDigits is how many decimal digits lsof prints an offset
// in before it switches to hexadecimal.
const defaultOffsetDigits = 8

// Node returns the NODE text: the inode number.
func Node(f *fdscan.File) string { return string(appendNode(nil, f)) }

func appendNode(b []byte, f *fdscan.File) []byte {
	if unreadable(f) || exemptUnknown(f) {
		return b
	}
	return strconv.AppendUint(b, f.Inode, 10)
}

// Name returns the NAME text of e before escaping, for a file that is no
// socket found in the tables.
func Name(e *join.Entry) string {
	if e.Endpoints != "" {
		return fileName(e.File, e.Protocol) + " " + e.Endpoints
	}
	if e.Note != "" {
		return fileName(e.File, e.Protocol) + " (" + e.Note + ")"
	}
	return fileName(e.File, e.Protocol)
}

// fileName is the NAME text of f; protocol names a socket no table has.
func fileName(f *fdscan.File, protocol string) string {
	if f.Err != nil && f.Err.Op != "stat" {
		if f.Err.Err == unix.ENOENT && f.Kind == fdscan.KindText {
			// A kernel thread has no program text; lsof says no more.
			return f.Err.Path
		}
		return f.Err.Path + " (" + f.Err.Op + ": " + Strerror(f.Err.Err) + ")"
	}
	if f.Err != nil {
		return f.Link + " (stat: " + Strerror(f.Err.Err) + ")"
	}
	link := f.Link
	if f.PathInode != 0 {
		return link + " (path dev=" + devString(f.PathDev) + ", inode=" + strconv.FormatUint(f.PathInode, 10) + ")"
	}
	if strings.HasPrefix(link, "/") {
		return link
	}
	// Links that are not paths ("pipe:[N]", "net:[N]", "anon_inode:[x]")
	// show the part before the colon, or what an anonymous inode is.
	kind, rest, _ := strings.Cut(link, ":")
	switch {
	case f.Type == fdscan.TypeSock:
		if protocol == "" {
			return "can't identify protocol"
		}
		return "protocol: " + protocol
	case f.Type == fdscan.TypeAnon && rest != "":
		return anonName(f, rest)
	}
	return kind
}

func anonName(f *fdscan.File, kind string) string {
	switch kind {
	case "[eventfd]":
		if f.EventfdID >= 0 {
			return "[eventfd:" + strconv.Itoa(f.EventfdID) + "]"
		}
	case "[eventpoll]":
		if len(f.EpollTFDs) > 0 {
			return epollName(f.EpollTFDs)
		}
	case "[pidfd]":
		if f.PidfdPID != 0 {
			return "[pidfd:" + strconv.Itoa(f.PidfdPID) + "]"
		}
	}
	return kind
}

// epollTargets is how many watched descriptors lsof names for an epoll
// instance: the first ones fdinfo lists, in numeric order, with "..." when
// there may be more.
const epollTargets = 32

func epollName(tfds []int) string {
	n := min(len(tfds), epollTargets)
	shown := slices.Clone(tfds[:n])
	slices.Sort(shown)
	b := []byte("[eventpoll:")
	for i, fd := range shown {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(fd), 10)
	}
	if len(tfds) >= epollTargets {
		b = append(b, "..."...)
	}
	return string(append(b, ']'))
}

// Strerror returns the C library's text for an error: Go's, with the
// first letter in upper case.
func Strerror(err error) string {
	s := err.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// NLink returns the NLINK text: the link count, where the file has one.
func NLink(f *fdscan.File) string {
	if unreadable(f) || f.Exempt || f.Kind == fdscan.KindDel || f.PathInode != 0 || f.Type == fdscan.TypeSock {
		return ""
	}
	return strconv.FormatUint(f.NLink, 10)
}
