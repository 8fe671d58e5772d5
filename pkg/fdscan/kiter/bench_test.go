//go:build linux

package kiter

import (
	"testing"
)

// BenchmarkOpen measures the fixed cost of a run: the kernel's BTF read
// for the CO-RE relocations, the verifier, the attach.
func BenchmarkOpen(b *testing.B) {
	for b.Loop() {
		it, err := Open()
		if err != nil {
			b.Skipf("cannot load the iterator here: %v", err)
		}
		it.Close()
	}
}

// BenchmarkFiles measures one walk of every process's descriptors, the
// records decoded and handed over; run it beside bench/workload for a
// loaded table (bench/run.sh shows whole commands).
func BenchmarkFiles(b *testing.B) {
	it, err := Open()
	if err != nil {
		b.Skipf("cannot load the iterator here: %v", err)
	}
	defer it.Close()
	n := 0
	for b.Loop() {
		n = 0
		if err := it.Files(func(r Record) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "files")
	if n == 0 {
		b.Fatal("no open file reported, not even this process's")
	}
}
