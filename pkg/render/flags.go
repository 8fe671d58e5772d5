//go:build linux

package render

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// FlagStyle is how file flags (lsof's +f g and +f G) are shown.
type FlagStyle uint8

const (
	FlagsHidden FlagStyle = iota // no FILE-FLAG column
	FlagsNames                   // +f g: lsof's names, such as RW,LG,CX
	FlagsHex                     // +f G, and -F's G field: 0x8002;0x0
)

// largeFile returns O_LARGEFILE as the kernel reports it in fdinfo:
// where it is 0 for programs (x86-64), lsof uses the kernel's 0100000.
func largeFile() uint32 {
	if unix.O_LARGEFILE != 0 {
		return uint32(unix.O_LARGEFILE)
	}
	return 0o100000
}

// fileFlagNames are lsof's names of open flags, in the order lsof tries
// them: each takes away the bits it names, so O_SYNC is SYN without
// DSYN, and O_TMPFILE, which holds O_DIRECTORY's bit, is DTY,TMPF.
var fileFlagNames = [...]struct {
	bits uint32
	name string
}{
	{unix.O_WRONLY, "W"}, {unix.O_RDWR, "RW"}, {unix.O_CREAT, "CR"}, {unix.O_EXCL, "EXCL"},
	{unix.O_NOCTTY, "NTTY"}, {unix.O_TRUNC, "TR"}, {unix.O_APPEND, "AP"}, {unix.O_NDELAY, "ND"},
	{unix.O_SYNC, "SYN"}, {unix.O_ASYNC, "ASYN"}, {unix.O_DIRECT, "DIR"}, {unix.O_DIRECTORY, "DTY"},
	{unix.O_NOFOLLOW, "NFLK"}, {unix.O_NOATIME, "NATM"}, {unix.O_DSYNC, "DSYN"}, {unix.O_RSYNC, "RSYN"},
	{largeFile(), "LG"}, {unix.O_CLOEXEC, "CX"}, {unix.O_PATH, "PATH"}, {unix.O_TMPFILE, "TMPF"},
}

// AppendFileFlags appends open flags as lsof shows them: in hexadecimal,
// then ";0x0" for the process's own descriptor flags (none on Linux), or
// as names, with the bits no name covers in hexadecimal after them, and
// nothing for no flags.
func AppendFileFlags(b []byte, flags uint32, style FlagStyle) []byte {
	if style == FlagsHex {
		b = strconv.AppendUint(append(b, "0x"...), uint64(flags), 16)
		return append(b, ";0x0"...)
	}
	first := true
	for _, f := range fileFlagNames {
		if flags&f.bits == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		b = append(b, f.name...)
		first = false
		flags &^= f.bits
	}
	if flags != 0 {
		if !first {
			b = append(b, ',')
		}
		b = strconv.AppendUint(append(b, "0x"...), uint64(flags), 16)
	}
	return b
}
