//go:build linux

package fdscan

import (
	"os"
	"testing"
)

// BenchmarkScanSelf scans this test process, live: one process's cwd,
// root, text, maps and descriptors.
func BenchmarkScanSelf(b *testing.B) {
	s, err := New(Options{Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	pid := []int{os.Getpid()}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Scan(pid, func(*Process) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMapsLine(b *testing.B) {
	line := []byte("7f1c2a000000-7f1c2a028000 r--p 00000000 fe:00 1002                       /usr/lib/x86_64-linux-gnu/libc.so.6")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ParseMapsLine(line); !ok {
			b.Fatal("no mapping")
		}
	}
}

func BenchmarkParseFdinfo(b *testing.B) {
	info := []byte("pos:\t4321\nflags:\t02100002\nmnt_id:\t17\nino:\t1038\n")
	b.ReportAllocs()
	for b.Loop() {
		var f File
		parseFdinfo(info, &f)
	}
}
