//go:build linux

package fdscan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedLines adds every line of the fixture files matching glob as a seed.
func seedLines(f *testing.F, glob string) {
	files, _ := filepath.Glob(glob)
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			f.Add([]byte(l))
		}
	}
}

func FuzzParseMapsLine(f *testing.F) {
	seedLines(f, "../../testdata/proc/basic/*/maps")
	f.Add([]byte("7f00-7f01 r--p 0 fe:00 12 /x (deleted)"))
	f.Fuzz(func(t *testing.T, line []byte) {
		m, ok := ParseMapsLine(line)
		if ok && (m.Inode == 0 || !strings.HasPrefix(m.Path, "/")) {
			t.Errorf("accepted %q as %+v", line, m)
		}
	})
}

func FuzzParseFdinfo(f *testing.F) {
	seedLines(f, "../../testdata/proc/basic/100/fdinfo/*")
	f.Add([]byte("pos:\t1\nflags:\t02\ntfd: 7 events: 19\nPid:\t9\neventfd-id: 3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var file File
		parseFdinfo(b, &file)
		if len(file.EpollTFDs) > strings.Count(string(b), "tfd:") {
			t.Errorf("more epoll targets than tfd lines in %q", b)
		}
	})
}

func FuzzParseLocks(f *testing.F) {
	seedLines(f, "../../testdata/proc/basic/locks")
	f.Fuzz(func(t *testing.T, b []byte) {
		for k, c := range parseLocks(b) {
			if k.pid <= 0 || !strings.ContainsRune("rRwW", rune(c)) {
				t.Errorf("lock %+v %q from %q", k, c, b)
			}
		}
	})
}
