//go:build linux

package fdscantest

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// StatTable supplies stat results and errors for a fixture proc tree, whose
// fd links point at files that do not exist on the machine running the
// tests. Keys are paths relative to the proc root ("42/fd/3", "42/cwd", or
// "42/fd" for a directory that cannot be opened) or absolute paths of
// mapped files ("/usr/lib/libc.so.6").
type StatTable map[string]StatEntry

// StatEntry is one fixture stat result: either the fields of a stat call
// or the error it failed with, plus the socket protocol name where the
// entry is a socket.
type StatEntry struct {
	Stat  unix.Stat_t
	Err   error // returned by stat, and by readlink when ReadlinkErr is set
	Proto string

	ReadlinkErr bool
}

// LoadStatTable reads a fixture's stat table. Each line is a key followed
// by key=value fields: mode (octal), dev and rdev (MAJOR,MINOR), size, ino,
// nlink, proto, and err (an errno name such as EACCES) with readlink=1 when
// the readlink of the entry fails too. Blank lines and # comments are
// skipped.
func LoadStatTable(path string) (StatTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t := StatTable{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(line)
		var e StatEntry
		for _, kv := range fields[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("%s:%d: field %q is not key=value", path, n, kv)
			}
			if err := e.set(k, v); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
		}
		t[fields[0]] = e
	}
	return t, sc.Err()
}

func (e *StatEntry) set(k, v string) error {
	var err error
	switch k {
	case "mode":
		var m uint64
		m, err = strconv.ParseUint(v, 8, 32)
		e.Stat.Mode = uint32(m)
	case "dev", "rdev":
		major, minor, ok := strings.Cut(v, ",")
		a, err1 := strconv.ParseUint(major, 10, 32)
		b, err2 := strconv.ParseUint(minor, 10, 32)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("bad device %q", v)
		}
		if k == "dev" {
			e.Stat.Dev = unix.Mkdev(uint32(a), uint32(b))
		} else {
			e.Stat.Rdev = unix.Mkdev(uint32(a), uint32(b))
		}
	case "size":
		e.Stat.Size, err = strconv.ParseInt(v, 10, 64)
	case "ino":
		e.Stat.Ino, err = strconv.ParseUint(v, 10, 64)
	case "nlink":
		var n uint64
		n, err = strconv.ParseUint(v, 10, 32)
		setUint(&e.Stat.Nlink, n) // uint64 here, uint32 on arm64
	case "proto":
		e.Proto = v
	case "readlink":
		e.ReadlinkErr = v == "1"
	case "err":
		errno := errnoByName(v)
		if errno == 0 {
			return fmt.Errorf("unknown errno %q", v)
		}
		e.Err = errno
	default:
		return fmt.Errorf("unknown field %q", k)
	}
	if err != nil {
		return fmt.Errorf("field %s: %w", k, err)
	}
	return nil
}

func errnoByName(name string) unix.Errno {
	for e := unix.Errno(1); e < 256; e++ {
		if unix.ErrnoName(e) == name {
			return e
		}
	}
	return 0
}

func setUint[T uint32 | uint64](dst *T, v uint64) { *dst = T(v) }
