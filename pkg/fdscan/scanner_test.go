package fdscan

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

func fixture(t *testing.T, tasks bool, workers int) *Scanner {
	t.Helper()
	stats, err := LoadStatTable("../../testdata/proc/basic.stat")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Root: "../../testdata/proc/basic", Stats: stats, Tasks: tasks, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return s
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
		err = s.Scan(append(pids, 4711), func(p *Process) error {
			got = append(got, p.Dir)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"1", "2", "100", "100/task/105", "102"}; !slices.Equal(got, want) {
			t.Errorf("%d workers: scanned %v, want %v", workers, got, want)
		}
	}
}

func TestScanStopsOnError(t *testing.T) {
	s := fixture(t, false, 2)
	stop := errors.New("stop")
	n := 0
	err := s.Scan([]int{1, 2, 100, 102}, func(*Process) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("Scan returned %v after %d calls, want %v after 1", err, n, stop)
	}
}

func TestScanEntries(t *testing.T) {
	s := fixture(t, false, 1)
	var p *Process
	if err := s.Scan([]int{100}, func(q *Process) error { p = q; return nil }); err != nil || p == nil {
		t.Fatalf("Scan: %v, %v", p, err)
	}
	if p.Command != "server" || p.PPID != 1 || p.PGID != 100 || p.UID != 1000 {
		t.Errorf("process = %+v", p)
	}
	var kinds []Kind
	for _, f := range p.Files {
		kinds = append(kinds, f.Kind)
	}
	want := []Kind{KindCWD, KindRoot, KindText, KindMem, KindDel, KindMem, KindMem, KindDel}
	if !slices.Equal(kinds[:len(want)], want) {
		t.Errorf("entry kinds = %v, want %v then descriptors", kinds, want)
	}
	if n := len(p.Files) - len(want); n != 37 {
		t.Errorf("%d descriptors, want 37", n)
	}
}

func TestLoadStatTableErrors(t *testing.T) {
	for _, line := range []string{"k mode=9", "k dev=1", "k err=ENOPE", "k what=1", "k size"} {
		e := StatEntry{}
		k, v, _ := strings.Cut(line[2:], "=")
		if err := e.set(k, v); err == nil {
			t.Errorf("set(%q) accepted a bad field", line)
		}
	}
}

// TestProbeStat keeps one file by device and inode: only its process is
// reported, with that entry read in full and nothing else.
func TestProbeStat(t *testing.T) {
	s := fixture(t, false, 2)
	s.probe = ProbeStat
	var asked atomic.Int64 // Keep is called from several workers at once
	s.keep = func(p *Process, f *File) bool {
		asked.Add(1)
		return f.Inode == 3004 && f.Dev == unix.Mkdev(254, 0)
	}
	var got []*Process
	if err := s.Scan([]int{1, 2, 100, 102}, func(p *Process) error { got = append(got, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PID != 100 || got[0].Command != "server" || len(got[0].Files) != 1 {
		t.Fatalf("got %d processes: %+v", len(got), got)
	}
	f := got[0].Files[0]
	if f.FD != 14 || f.Link != "/data/locked.db" || f.Lock != 'r' || f.Mode != ModeReadWrite {
		t.Errorf("kept entry = %+v", f)
	}
	if asked.Load() < 20 {
		t.Errorf("Keep was asked about %d entries, want every entry of every process", asked.Load())
	}
}

// TestProbeSockets keeps one socket by inode, seen from its link text.
func TestProbeSockets(t *testing.T) {
	s := fixture(t, false, 2)
	s.probe = ProbeSockets
	s.keep = func(p *Process, f *File) bool {
		if p.NetNS != 4026531840 && p.PID == 100 {
			t.Errorf("Keep called before the namespace was read: %d", p.NetNS)
		}
		return f.Inode == 6200
	}
	var got []*Process
	if err := s.Scan([]int{1, 2, 100, 102}, func(p *Process) error { got = append(got, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Files) != 1 || got[0].Files[0].FD != 20 || got[0].Files[0].Type != TypeSock {
		t.Fatalf("got %+v", got)
	}
}

// TestScanReuse checks that with Options.Reuse every process is
// delivered as without it, while the Files of processes already
// delivered are used again.
func TestScanReuse(t *testing.T) {
	var pids []int
	for range 10 {
		pids = append(pids, 1, 2, 100, 102)
	}
	scan := func(reuse bool) ([]Process, int) {
		stats, err := LoadStatTable("../../testdata/proc/basic.stat")
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(Options{Root: "../../testdata/proc/basic", Stats: stats, Tasks: true, Workers: 1, Reuse: reuse})
		if err != nil {
			t.Fatal(err)
		}
		var got []Process
		arrays := map[*File]bool{}
		reused := 0
		err = s.Scan(pids, func(p *Process) error {
			c := *p
			c.Files = slices.Clone(p.Files)
			c.ownFiles = false
			got = append(got, c)
			if p.ownFiles && len(p.Files) > 0 {
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
