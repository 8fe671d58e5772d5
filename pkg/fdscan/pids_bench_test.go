//go:build linux

package fdscan

import (
	"slices"
	"testing"

	"github.com/prometheus/procfs"
)

// BenchmarkPIDs compares the two ways of listing /proc's processes:
// prometheus/procfs's AllProcs (os.File.Readdirnames, a Proc per entry)
// and Scanner.PIDs, the getdents loop the scanner uses for descriptor
// directories.
func BenchmarkPIDs(b *testing.B) {
	s, err := New(Options{Root: "/proc"})
	if err != nil {
		b.Fatal(err)
	}
	fs, err := procfs.NewFS("/proc")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("procfs.AllProcs", func(b *testing.B) {
		for b.Loop() {
			procs, err := fs.AllProcs()
			if err != nil {
				b.Fatal(err)
			}
			pids := make([]int, len(procs))
			for i, p := range procs {
				pids[i] = p.PID
			}
			slices.Sort(pids)
		}
	})
	b.Run("getdents", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.PIDs(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
