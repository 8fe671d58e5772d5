//go:build linux

package fdscan_test

import (
	"cmp"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/fdscantest"
)

// basicOptions returns the options that scan testdata/proc/basic.
func basicOptions(t testing.TB) fdscan.Options {
	t.Helper()
	k, err := fdscantest.Load("../../testdata/proc/basic")
	if err != nil {
		t.Fatal(err)
	}
	return k.Options()
}

// scanner returns a Scanner made with opts.
func scanner(t testing.TB, opts fdscan.Options) *fdscan.Scanner {
	t.Helper()
	s, err := fdscan.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fixture(t *testing.T, tasks bool, workers int) *fdscan.Scanner {
	t.Helper()
	opts := basicOptions(t)
	opts.Tasks, opts.Workers = tasks, workers
	return scanner(t, opts)
}

// TestScanOrder checks that processes arrive in PID order, tasks after
// their process, zombies and missing PIDs left out, whatever the number
// of workers.
func TestScanOrder(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		s := fixture(t, true, workers)
		pids, err := s.PIDs()
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{1, 2, 100, 101, 102}; !slices.Equal(pids, want) {
			t.Fatalf("PIDs() = %v, want %v", pids, want)
		}
		var got []string
		err = s.Scan(append(pids, 4711), func(p *fdscan.Process) error {
			got = append(got, p.Dir)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"1", "2", "100", "100/task/105", "100/task/106", "102"}; !slices.Equal(got, want) {
			t.Errorf("%d workers: scanned %v, want %v", workers, got, want)
		}
	}
}

func TestScanStopsOnError(t *testing.T) {
	s := fixture(t, false, 2)
	stop := errors.New("stop")
	n := 0
	err := s.Scan([]int{1, 2, 100, 102}, func(*fdscan.Process) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("Scan returned %v after %d calls, want %v after 1", err, n, stop)
	}
}

func TestScanEntries(t *testing.T) {
	s := fixture(t, false, 1)
	var p *fdscan.Process
	if err := s.Scan([]int{100}, func(q *fdscan.Process) error { p = q; return nil }); err != nil || p == nil {
		t.Fatalf("Scan: %v, %v", p, err)
	}
	if p.Command != "server" || p.PPID != 1 || p.PGID != 100 || p.UID != 1000 {
		t.Errorf("process = %+v", p)
	}
	var kinds []fdscan.Kind
	for _, f := range p.Files {
		kinds = append(kinds, f.Kind)
	}
	want := []fdscan.Kind{fdscan.KindCWD, fdscan.KindRoot, fdscan.KindText, fdscan.KindMem, fdscan.KindDel, fdscan.KindMem, fdscan.KindMem, fdscan.KindDel}
	if !slices.Equal(kinds[:len(want)], want) {
		t.Errorf("entry kinds = %v, want %v then descriptors", kinds, want)
	}
	if n := len(p.Files) - len(want); n != 39 {
		t.Errorf("%d descriptors, want 39", n)
	}
}

// TestProbeStat keeps one file by device and inode: only its process is
// reported, with that entry read in full and nothing else.
func TestProbeStat(t *testing.T) {
	opts := basicOptions(t)
	opts.Workers, opts.Probe = 2, fdscan.ProbeStat
	var asked atomic.Int64 // Keep is called from several workers at once
	opts.Keep = func(p *fdscan.Process, f *fdscan.File) bool {
		asked.Add(1)
		return f.Inode == 3004 && f.Dev == unix.Mkdev(254, 0)
	}
	s := scanner(t, opts)
	var got []*fdscan.Process
	if err := s.Scan([]int{1, 2, 100, 102}, func(p *fdscan.Process) error { got = append(got, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PID != 100 || got[0].Command != "server" || len(got[0].Files) != 1 {
		t.Fatalf("got %d processes: %+v", len(got), got)
	}
	f := got[0].Files[0]
	if f.FD != 14 || f.Link != "/data/locked.db" || f.Lock != 'r' || f.Mode != fdscan.ModeReadWrite {
		t.Errorf("kept entry = %+v", f)
	}
	if asked.Load() < 20 {
		t.Errorf("Keep was asked about %d entries, want every entry of every process", asked.Load())
	}
}

// TestProbeSockets keeps one socket by inode, seen from its link text.
func TestProbeSockets(t *testing.T) {
	opts := basicOptions(t)
	opts.Workers, opts.Probe = 2, fdscan.ProbeSockets
	opts.Keep = func(p *fdscan.Process, f *fdscan.File) bool {
		if p.NetNS != 4026531840 && p.PID == 100 {
			t.Errorf("Keep called before the namespace was read: %d", p.NetNS)
		}
		return f.Inode == 6200
	}
	s := scanner(t, opts)
	var got []*fdscan.Process
	if err := s.Scan([]int{1, 2, 100, 102}, func(p *fdscan.Process) error { got = append(got, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Files) != 1 || got[0].Files[0].FD != 20 || got[0].Files[0].Type != fdscan.TypeSock {
		t.Fatalf("got %+v", got)
	}
}

// TestScanReuse checks that with fdscan.Options.Reuse every process is
// delivered as without it, while the Files of processes already
// delivered are used again.
func TestScanReuse(t *testing.T) {
	var pids []int
	for range 10 {
		pids = append(pids, 1, 2, 100, 102)
	}
	scan := func(reuse bool) ([]fdscan.Process, int) {
		opts := basicOptions(t)
		opts.Tasks, opts.Workers, opts.Reuse = true, 1, reuse
		s := scanner(t, opts)
		var got []fdscan.Process
		arrays := map[*fdscan.File]bool{}
		reused := 0
		err := s.Scan(pids, func(p *fdscan.Process) error {
			c := *p
			c.Files = slices.Clone(p.Files)
			fdscan.ClearOwnFiles(&c)
			got = append(got, c)
			if fdscan.OwnFiles(p) && len(p.Files) > 0 {
				first := &p.Files[:1][0]
				if arrays[first] {
					reused++
				}
				arrays[first] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, reused
	}
	want, _ := scan(false)
	got, reused := scan(true)
	if len(got) != len(want) {
		t.Fatalf("Reuse: %d processes, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("Reuse: process %d is\n%+v\nwant\n%+v", i, got[i], want[i])
		}
	}
	if reused == 0 {
		t.Error("Reuse: no Files were used again")
	}
}

// netNSCounter counts the readlinks of ns/net links.
type netNSCounter struct {
	fdscan.Kernel
	n atomic.Int32
}

func (k *netNSCounter) ReadlinkAt(dirfd int, name string, buf []byte) (int, error) {
	if strings.HasSuffix(name, "ns/net") {
		k.n.Add(1)
	}
	return k.Kernel.ReadlinkAt(dirfd, name, buf)
}

// TestNetNSReadOnce reads a process's network namespace with
// Scanner.NetNS before scanning it: the scan takes it from there, under
// every probe. Refresh forgets it.
func TestNetNSReadOnce(t *testing.T) {
	for _, probe := range []fdscan.Probe{fdscan.ProbeSockets, fdscan.ProbeStat, fdscan.ProbeFull} {
		opts := basicOptions(t)
		k := &netNSCounter{Kernel: opts.Kernel}
		opts.Kernel, opts.Probe, opts.NetNS = k, probe, true
		if probe != fdscan.ProbeFull {
			opts.Keep = func(_ *fdscan.Process, f *fdscan.File) bool { return f.Inode == 6200 }
		}
		s := scanner(t, opts)
		if ns, err := s.NetNS(100); err != nil || ns != 4026531840 {
			t.Fatalf("NetNS(100) = %d, %v", ns, err)
		}
		for _, refresh := range []bool{false, true} {
			if refresh {
				s.Refresh()
			}
			k.n.Store(0)
			var got uint64
			if err := s.Scan([]int{100}, func(p *fdscan.Process) error { got = p.NetNS; return nil }); err != nil {
				t.Fatal(err)
			}
			// Refreshed, proc's source reads the link again; the
			// kernel's walk of processes gives the namespace.
			want := int32(0)
			if refresh && s.Source() == fdscan.SourceProc {
				want = 1
			}
			if got != 4026531840 || k.n.Load() != want {
				t.Errorf("probe %d, refreshed %v: NetNS %d after %d reads of ns/net; want 4026531840 after %d", probe, refresh, got, k.n.Load(), want)
			}
		}
	}
}

// TestScanDuplicatePIDs checks that a PID given twice is delivered twice
// alike, whichever source reads it: the kernel's walk hands a process's
// records over once, and the second reading must not take that for a
// process without descriptors.
func TestScanDuplicatePIDs(t *testing.T) {
	opts := basicOptions(t)
	opts.Tasks, opts.Workers = true, 1
	s := scanner(t, opts)
	pids := []int{1, 100, 102, 100, 1, 102}
	var got []fdscan.Process
	err := s.Scan(pids, func(p *fdscan.Process) error {
		c := *p
		c.Files = slices.Clone(p.Files)
		fdscan.ClearOwnFiles(&c)
		got = append(got, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got)%2 != 0 {
		t.Fatalf("%d entries, want each PID's twice", len(got))
	}
	first, second := got[:len(got)/2], got[len(got)/2:]
	// pids is 1, 100, 102 and then 100, 1, 102: the second half, put in
	// the first's order by PID and TID, must be the first.
	slices.SortStableFunc(second, func(a, b fdscan.Process) int {
		return cmp.Compare(slices.Index(pids, a.PID), slices.Index(pids, b.PID))
	})
	for i := range first {
		if !reflect.DeepEqual(first[i], second[i]) {
			t.Errorf("second reading of %d/%d is\n%+v\nwant\n%+v", second[i].PID, second[i].TID, second[i], first[i])
		}
		if n := len(first[i].Files); first[i].PID == 100 && n <= 3 {
			t.Errorf("process %d/%d has %d entries, want its descriptors too", first[i].PID, first[i].TID, n)
		}
	}
	t.Logf("source %v, %d entries", s.Source(), len(got))
}
