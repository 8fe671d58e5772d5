//go:build linux

package fdscan_test

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/fdscantest"
	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

// staleKernel is a fixture whose kernel tables say of process pid what
// they would of another process that had its PID: every inode differs.
type staleKernel struct {
	*fdscantest.Kernel
	pid int
}

func (k staleKernel) OpenFiles(s *fdscan.Search) (fdscan.FileTable, error) {
	t, err := k.Kernel.OpenFiles(s)
	return staleTable{t, k.pid}, err
}

type staleTable struct {
	fdscan.FileTable
	pid int
}

func (t staleTable) Files(fn func(fdscan.Record) error) error {
	return t.FileTable.Files(func(r fdscan.Record) error {
		if r.PID == t.pid {
			r.Ino += 1000
		}
		return fn(r)
	})
}

func (t staleTable) Maps(fn func(kiter.Mapping) error) error {
	return t.FileTable.Maps(func(m kiter.Mapping) error {
		if m.PID == t.pid {
			m.Ino += 1000
		}
		return fn(m)
	})
}

func (t staleTable) Tasks(fn func(kiter.Task) error) error {
	return t.FileTable.Tasks(func(task kiter.Task) error {
		if task.PID == t.pid {
			for i := range task.Files {
				task.Files[i].Ino += 1000
			}
			task.NetNS++
		}
		return fn(task)
	})
}

// copyTree copies the fixture tree at src, links as links, to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, to)
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKernelLateStart scans the basic fixture from each source, with
// kernel tables that say of process 100 what another process with its
// PID would have had. Where 100 started after the walks (its stat says
// so), everything of it is read from proc and both sources agree, with
// every probe; where it did not, the tables are believed, which shows
// that they are read at all.
func TestKernelLateStart(t *testing.T) {
	const pid = 100
	dir := t.TempDir()
	root := filepath.Join(dir, "basic")
	copyTree(t, "../../testdata/proc/basic", root)
	stats, err := fdscantest.LoadStatTable("../../testdata/proc/basic.stat")
	if err != nil {
		t.Fatal(err)
	}
	all := func(*fdscan.Process, *fdscan.File) bool { return true }
	scan := func(src fdscan.Source, o fdscan.Options) map[int]fdscan.Process {
		t.Helper()
		k, err := fdscantest.NewKernel(root, stats)
		if err != nil {
			t.Fatal(err)
		}
		o.Root, o.Kernel, o.Source = k.Root(), staleKernel{k, pid}, src
		s, err := fdscan.New(o)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		pids, err := s.PIDs()
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]fdscan.Process{}
		if err := s.Scan(pids, func(p *fdscan.Process) error {
			c := *p
			c.Files = append([]fdscan.File(nil), p.Files...)
			got[p.PID] = c
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if s.Source() != src {
			t.Fatalf("read from %v, not %v", s.Source(), src)
		}
		return got
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
		if reflect.DeepEqual(proc[pid], kern[pid]) {
			t.Errorf("%s, started before the walk: the kernel's tables were not read", tc.name)
		}
	}
	// Started long after any walk: 2^40 clock ticks after boot.
	statPath := filepath.Join(root, "100", "stat")
	b, err := os.ReadFile(statPath)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	f[21] = "1099511627776"
	if err := os.WriteFile(statPath, []byte(strings.Join(f, " ")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range probes {
		proc, kern := scan(fdscan.SourceProc, tc.o), scan(fdscan.SourceKernel, tc.o)
		if len(proc) == 0 || !reflect.DeepEqual(proc, kern) {
			for p := range proc {
				if !reflect.DeepEqual(proc[p], kern[p]) {
					t.Errorf("%s, process %d:\nproc   %+v\nkernel %+v", tc.name, p, proc[p], kern[p])
				}
			}
		}
	}
}
