//go:build linux

package fdscan_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/fdscantest"
)

// TestKernelLateStart scans the basic fixture from each source, with
// kernel tables that say of process 100 what another process with its
// PID and the same files would have had (fdscantest's Reused). Where
// 100 started after the walks (its stat says so), everything of it is
// read from proc and both sources agree, with every probe; where it did
// not, the tables are believed, which shows that they are read at all.
func TestKernelLateStart(t *testing.T) {
	const pid = 100
	key := fmt.Sprint(pid, "/", 0) // scanWith's: PID/TID
	root, err := fdscantest.CopyTree(t.TempDir(), "../../testdata/proc/basic")
	if err != nil {
		t.Fatal(err)
	}
	k, err := fdscantest.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := scanner(t, k.Options()).PIDs()
	if err != nil {
		t.Fatal(err)
	}
	all := func(*fdscan.Process, *fdscan.File) bool { return true }
	scan := func(src fdscan.Source, o fdscan.Options) map[string]fdscan.Process {
		t.Helper()
		o.Root, o.Kernel = k.Root(), k.Reused(pid)
		return scanWith(t, src, o, pids)
	}
	probes := []struct {
		name string
		o    fdscan.Options
	}{
		{"full", fdscan.Options{}},
		{"stat", fdscan.Options{Probe: fdscan.ProbeStat, Keep: all}},
		{"sockets", fdscan.Options{Probe: fdscan.ProbeSockets, Keep: all, NetNS: true}},
	}
	for _, tc := range probes {
		proc, kern := scan(fdscan.SourceProc, tc.o), scan(fdscan.SourceKernel, tc.o)
		if reflect.DeepEqual(proc[key], kern[key]) {
			t.Errorf("%s, started before the walk: the kernel's tables were not read", tc.name)
		}
	}
	// Started long after any walk: 2^40 clock ticks after boot.
	if err := fdscantest.SetStartTime(root, pid, 1<<40); err != nil {
		t.Fatal(err)
	}
	for _, tc := range probes {
		proc, kern := scan(fdscan.SourceProc, tc.o), scan(fdscan.SourceKernel, tc.o)
		if len(proc) == 0 {
			t.Fatalf("%s: no process read", tc.name)
		}
		for p := range proc {
			if !reflect.DeepEqual(proc[p], kern[p]) {
				t.Errorf("%s, process %s:\nproc   %+v\nkernel %+v", tc.name, p, proc[p], kern[p])
			}
		}
	}
}
