//go:build linux

package fdscan_test

import (
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// BenchmarkScanFixture scans the fixture tree's server process.
func BenchmarkScanFixture(b *testing.B) {
	opts := basicOptions(b)
	opts.Workers = 1
	s := scanner(b, opts)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Scan([]int{100}, func(*fdscan.Process) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
