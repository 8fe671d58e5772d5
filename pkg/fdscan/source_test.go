//go:build linux

package fdscan_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/internal/livetest"
	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/fdscantest"
	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

// needKernelSource skips a test where the kernel's iterators cannot be
// loaded: not root, no BTF.
func needKernelSource(t *testing.T) {
	t.Helper()
	it, err := kiter.Open()
	if err != nil {
		t.Skipf("kernel iterators cannot load here: %v", err)
	}
	it.Close()
}

// scanWith scans pids with the source and options given and returns what
// it read, by PID and task, after checking that the scan read from that
// source.
func scanWith(t *testing.T, src fdscan.Source, o fdscan.Options, pids []int) map[string]fdscan.Process {
	t.Helper()
	o.Source = src
	s, err := fdscan.New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := map[string]fdscan.Process{}
	err = s.Scan(pids, func(p *fdscan.Process) error {
		c := *p
		c.Files = append([]fdscan.File(nil), p.Files...)
		got[fmt.Sprint(p.PID, "/", p.TID)] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Source() != src {
		t.Fatalf("scan read from %v, not %v", s.Source(), src)
	}
	return got
}

// scanSteady scans pids from proc, from the kernel, and from proc again,
// and returns the first two reads once the two reads of proc agree. The
// Go runtime of the holders starts threads when it likes, so a process
// can gain a task, and its stat a higher thread count, between two reads;
// a comparison is fair only over a window in which nothing changed.
func scanSteady(t *testing.T, o fdscan.Options, pids []int) (proc, kern map[string]fdscan.Process) {
	t.Helper()
	for range 5 {
		proc = scanWith(t, fdscan.SourceProc, o, pids)
		kern = scanWith(t, fdscan.SourceKernel, o, pids)
		again := scanWith(t, fdscan.SourceProc, o, pids)
		if reflect.DeepEqual(proc, again) {
			return proc, kern
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the processes changed between every two reads of proc")
	return nil, nil
}

// TestSourcesAgree reads the holder, which has one file of every kind
// lsof tells apart (regular files in every mode, a directory, devices, a
// FIFO, pipes, deleted and mapped files, locks, an eventfd, epoll,
// inotify, a timerfd, a signalfd, a pidfd, a memfd, an O_PATH
// descriptor, hostile names), from proc and from the kernel's tables,
// with each probe: every field of every entry must be the same.
func TestSourcesAgree(t *testing.T) {
	needKernelSource(t)
	h := livetest.StartHolder(t)
	sh, _ := livetest.StartSockHolder(t)
	// A thread with a descriptor table of its own, which the kernel's
	// walk gives at its TID.
	dir := t.TempDir()
	th, _ := livetest.Start(t, livetest.Build(t, "./internal/holder"), dir, nil, "-thread", dir)
	pids := []int{h.PID, sh.PID, th.PID}
	all := func(*fdscan.Process, *fdscan.File) bool { return true }
	// A search: two of the holder's files, and every file of /dev.
	var search fdscan.Search
	for _, name := range []string{h.Dir + "/readonly", h.Dir + "/readwrite", "/dev"} {
		var st unix.Stat_t
		if err := unix.Stat(name, &st); err != nil {
			t.Fatal(err)
		}
		if name == "/dev" {
			search.Devs = append(search.Devs, st.Dev)
		} else {
			search.Files = append(search.Files, fdscan.FileID{Dev: st.Dev, Ino: st.Ino})
		}
	}
	searched := func(_ *fdscan.Process, f *fdscan.File) bool {
		return f.Kind != fdscan.KindFD || slices.Contains(search.Files, fdscan.FileID{Dev: f.Dev, Ino: f.Inode}) || slices.Contains(search.Devs, f.Dev)
	}
	for _, tc := range []struct {
		name string
		o    fdscan.Options
	}{
		{"full", fdscan.Options{}},
		{"full-fdinfo", fdscan.Options{Fdinfo: true}},
		{"tasks", fdscan.Options{Tasks: true}},
		{"stat", fdscan.Options{Probe: fdscan.ProbeStat, Keep: all}},
		{"sockets", fdscan.Options{Probe: fdscan.ProbeSockets, Keep: all}},
		{"links", fdscan.Options{Probe: fdscan.ProbeLinks, Keep: all}},
		{"exempt", fdscan.Options{Exempt: func(string) bool { return true }}},
		{"search", fdscan.Options{Probe: fdscan.ProbeStat, Keep: searched, Search: func() *fdscan.Search { return &search }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proc, kern := scanSteady(t, tc.o, pids)
			if len(proc) == 0 || len(proc) != len(kern) {
				t.Fatalf("proc read %d processes, the kernel %d", len(proc), len(kern))
			}
			for k, p := range proc {
				q := kern[k]
				if len(p.Files) < 3 {
					t.Errorf("%s: only %d entries", k, len(p.Files))
				}
				if len(p.Files) != len(q.Files) {
					t.Errorf("%s: proc has %d entries, the kernel %d", k, len(p.Files), len(q.Files))
					continue
				}
				for i := range p.Files {
					if !reflect.DeepEqual(p.Files[i], q.Files[i]) {
						t.Errorf("%s: entry %d:\nproc   %+v\nkernel %+v", k, i, p.Files[i], q.Files[i])
					}
				}
				fds := 0
				for _, f := range q.Files {
					if f.Kind == fdscan.KindFD {
						fds++
					}
				}
				if tc.o.Search != nil && k == fmt.Sprint(h.PID, "/0") && fds < 4 {
					t.Errorf("the search found %d of the holder's descriptors, want its two files and its devices", fds)
				}
				p.Files, q.Files = nil, nil
				if !reflect.DeepEqual(p, q) {
					t.Errorf("%s:\nproc   %+v\nkernel %+v", k, p, q)
				}
			}
			// The thread's own table was among those compared.
			own := false
			for k, q := range kern {
				for _, f := range q.Files {
					own = own || k != fmt.Sprint(th.PID, "/0") && f.Link == filepath.Join(dir, "thread-only")
				}
			}
			if tc.o.Tasks && !own {
				t.Errorf("no task of %d lists its own table's file", th.PID)
			}
		})
	}
}

// runFrom starts program prog holding file open on its descriptor 0,
// waits until it sleeps, and returns its PID; it is killed when the test
// ends.
func runFrom(t *testing.T, prog, file string) int {
	t.Helper()
	in, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command(prog, "600")
	cmd.Stdin = in
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// Ready once it sleeps: before, the loader and setlocale are still
	// mapping files, and two reads of it differ.
	exe := fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid)
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if l, _ := os.Readlink(exe); l == prog && livetest.ProcState(cmd.Process.Pid) == "S" {
			return cmd.Process.Pid
		}
		if time.Now().After(end) {
			t.Fatalf("%s did not start", prog)
		}
	}
}

// scannerOfAll returns a scanner with options o, closed when the test
// ends, and every process it can scan.
func scannerOfAll(t *testing.T, o fdscan.Options) (*fdscan.Scanner, []int) {
	t.Helper()
	s, err := fdscan.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	pids, err := s.PIDs()
	if err != nil {
		t.Fatal(err)
	}
	return s, pids
}

// TestSourceAutoWide checks that a scan of every process uses the
// kernel's tables where they load, and one of a few processes proc; and
// that $OPENFILES_SOURCE forces either.
func TestSourceAutoWide(t *testing.T) {
	needKernelSource(t)
	t.Setenv(fdscan.SourceEnv, "")
	s, pids := scannerOfAll(t, fdscan.Options{Source: fdscan.SourceAuto, Probe: fdscan.ProbeLinks,
		Keep: func(*fdscan.Process, *fdscan.File) bool { return false }})
	for _, tc := range []struct {
		env  string
		pids []int
		want fdscan.Source
	}{
		{"", []int{os.Getpid()}, fdscan.SourceProc},
		{"kernel", []int{os.Getpid()}, fdscan.SourceKernel},
		{"proc", pids, fdscan.SourceProc},
		{"auto", pids[:1], fdscan.SourceProc},
	} {
		t.Setenv(fdscan.SourceEnv, tc.env)
		s, err := fdscan.New(fdscan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Scan(tc.pids, func(*fdscan.Process) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if s.Source() != tc.want {
			t.Errorf("%s=%q, %d processes: read from %v, want %v", fdscan.SourceEnv, tc.env, len(tc.pids), s.Source(), tc.want)
		}
		s.Close()
	}
	if len(pids) >= 64 {
		if err := s.Scan(pids, func(*fdscan.Process) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if s.Source() != fdscan.SourceKernel {
			t.Errorf("a scan of %d processes read from %v", len(pids), s.Source())
		}
	}
	// A fixture's Kernel has tables of its own, made from its tree: the
	// environment chooses between them and the tree as for the running
	// kernel (the golden tests compare their listings).
	k, err := fdscantest.Load("../../testdata/proc/basic")
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"kernel", "proc"} {
		t.Setenv(fdscan.SourceEnv, env)
		fx, err := fdscan.New(k.Options())
		if err != nil {
			t.Fatal(err)
		}
		if err := fx.Scan([]int{100}, func(*fdscan.Process) error { return nil }); err != nil || fx.Source().String() != env {
			t.Errorf("%s=%s: a fixture's scan read from %v (%v)", fdscan.SourceEnv, env, fx.Source(), err)
		}
	}
	t.Setenv(fdscan.SourceEnv, "bpf")
	if _, err := fdscan.New(fdscan.Options{}); err == nil {
		t.Errorf("%s=bpf accepted", fdscan.SourceEnv)
	}
}

// TestSourceKernelStops checks that a scan that stops early, at an error
// of its callback, ends its walk of the kernel's tables and returns.
func TestSourceKernelStops(t *testing.T) {
	needKernelSource(t)
	s, pids := scannerOfAll(t, fdscan.Options{Source: fdscan.SourceKernel, Workers: 1})
	stop := errors.New("stop")
	n := 0
	err := s.Scan(pids, func(*fdscan.Process) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("Scan returned %v after %d processes, want the callback's error after 1", err, n)
	}
}

// TestSourcesAgreeOverlay holds files of an overlayfs, whose stat reports
// another device than the kernel's inode holds (a file of the lower
// layer, one copied up, one made in the upper layer), and needs the same
// entries from both sources, and a search for them by what stat says to
// find them from the kernel's tables too.
func TestSourcesAgreeOverlay(t *testing.T) {
	needKernelSource(t)
	dir := t.TempDir()
	for _, d := range []string{"lower", "upper", "work", "merged"} {
		if err := os.Mkdir(dir+"/"+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"lower/kept", "lower/copied"} {
		if err := os.WriteFile(dir+"/"+f, []byte("lower"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A program on the overlay: its text is mapped through a backing
	// file of the lower layer, whose inode the kernel's walk of the
	// mappings gives, where the maps show the overlay's.
	prog, err := os.ReadFile("/usr/bin/sleep")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/lower/sleep", prog, 0o755); err != nil {
		t.Fatal(err)
	}
	merged := dir + "/merged"
	opts := "lowerdir=" + dir + "/lower,upperdir=" + dir + "/upper,workdir=" + dir + "/work"
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		t.Skipf("cannot mount an overlayfs here: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(merged, unix.MNT_DETACH) })
	if err := os.WriteFile(merged+"/copied", []byte("copied up"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(merged+"/new", []byte("upper"), 0o644); err != nil {
		t.Fatal(err)
	}
	var pids []int
	var search fdscan.Search
	for _, f := range []string{"kept", "copied", "new"} {
		pids = append(pids, livetest.HoldOpen(t, merged+"/"+f))
		var st unix.Stat_t
		if err := unix.Stat(merged+"/"+f, &st); err != nil {
			t.Fatal(err)
		}
		search.Files = append(search.Files, fdscan.FileID{Dev: st.Dev, Ino: st.Ino})
	}
	pids = append(pids, runFrom(t, merged+"/sleep", merged+"/kept"))
	slices.Sort(pids)
	searched := func(_ *fdscan.Process, f *fdscan.File) bool {
		return f.Kind == fdscan.KindFD && slices.Contains(search.Files, fdscan.FileID{Dev: f.Dev, Ino: f.Inode})
	}
	for _, o := range []fdscan.Options{
		{},
		{Probe: fdscan.ProbeStat, Keep: searched, Search: func() *fdscan.Search { return &search }},
	} {
		proc, kern := scanSteady(t, o, pids)
		if len(proc) != len(pids) || !reflect.DeepEqual(proc, kern) {
			t.Errorf("probe %d: proc read\n%+v\nthe kernel's tables\n%+v", o.Probe, proc, kern)
		}
		for k, p := range kern {
			if !slices.ContainsFunc(p.Files, func(f fdscan.File) bool { return searched(nil, &f) }) {
				t.Errorf("probe %d: %s: no descriptor of the overlay's files: %+v", o.Probe, k, p.Files)
			}
		}
	}
}
