//go:build linux

// Command kdump lists every open file of every process through the
// kernel iterator (pkg/fdscan/kiter), one line per descriptor with the
// fields lsof shows (PID, descriptor, flags, device, size or offset,
// inode, links and path), for bench/compare to set beside our lsof and
// the floor: what a listing costs when /proc is not read at all. With
// -wanted FILE, only the descriptors of FILE, filtered in the kernel, as
// fuser FILE needs them. It needs root, or CAP_BPF with CAP_PERFMON.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
	"golang.org/x/sys/unix"
)

func main() {
	wanted := flag.String("wanted", "", "list only the descriptors of this file")
	flag.Parse()
	if err := run(*wanted); err != nil {
		fmt.Fprintln(os.Stderr, "kdump:", err)
		os.Exit(1)
	}
}

func run(wanted string) error {
	var it *kiter.Iter
	var err error
	if wanted == "" {
		it, err = kiter.Open()
	} else {
		var st unix.Stat_t
		if err := unix.Stat(wanted, &st); err != nil {
			return fmt.Errorf("stat %s: %w", wanted, err)
		}
		it, err = kiter.OpenWanted(kiter.Search{Files: []kiter.FileID{{Dev: st.Dev, Ino: st.Ino}}})
	}
	if err != nil {
		return err
	}
	defer it.Close()
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	var line []byte
	err = it.Files(func(r kiter.Record) error {
		line = strconv.AppendInt(line[:0], int64(r.PID), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(r.FD), 10)
		line = append(line, ' ')
		line = strconv.AppendUint(line, uint64(r.Flags), 8)
		line = append(line, ' ')
		line = strconv.AppendUint(line, uint64(unix.Major(r.Dev)), 10)
		line = append(line, ',')
		line = strconv.AppendUint(line, uint64(unix.Minor(r.Dev)), 10)
		line = append(line, ' ')
		if r.Mode&unix.S_IFMT == unix.S_IFREG {
			line = strconv.AppendInt(line, r.Size, 10)
		} else {
			line = append(line, "0t"...)
			line = strconv.AppendInt(line, r.Pos, 10)
		}
		line = append(line, ' ')
		line = strconv.AppendUint(line, r.Ino, 10)
		line = append(line, ' ')
		line = strconv.AppendUint(line, uint64(r.Nlink), 10)
		line = append(line, ' ')
		line = append(line, r.Path...)
		line = append(line, '\n')
		_, err := w.Write(line)
		return err
	})
	if err != nil {
		return err
	}
	return w.Flush()
}
