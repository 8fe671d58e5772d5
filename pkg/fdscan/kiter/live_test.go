//go:build linux

package kiter

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
	"github.com/openfiles/openfiles/internal/rawread"
	"golang.org/x/sys/unix"
)

// openForTest opens an iterator, skipping the test where this process may
// not load one outside CI (CI runs as root on a kernel that can).
func openForTest(t *testing.T, search *Search) *Iter {
	t.Helper()
	var it *Iter
	var err error
	if search == nil {
		it, err = Open()
	} else {
		it, err = OpenWanted(*search)
	}
	if err != nil {
		if os.Getenv("CI") == "" && (os.Geteuid() != 0 || errors.Is(err, errors.ErrUnsupported)) {
			t.Skipf("cannot load the iterator here: %v", err)
		}
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := it.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return it
}

// startFixture starts the test binary holding its files (holdFiles) in a
// fresh directory and a fresh directory under /dev/shm.
func startFixture(t *testing.T) (h *livetest.Holder, dir, shm string) {
	t.Helper()
	shm, err := os.MkdirTemp("/dev/shm", "kiter-test-")
	if err != nil {
		t.Skipf("no tmpfs at /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	var st unix.Statfs_t
	if err := unix.Statfs(shm, &st); err != nil || st.Type != unix.TMPFS_MAGIC {
		t.Skipf("/dev/shm is not a tmpfs (%#x, %v)", st.Type, err)
	}
	dir = t.TempDir()
	t.Setenv(fixtureEnv, "1")
	h, _ = livetest.Start(t, os.Args[0], dir, nil, dir, shm)
	return h, dir, shm
}

// fromProc reads what /proc says of each descriptor of pid, as a Record
// keyed by descriptor: stat of the link's target, its fdinfo and the link.
func fromProc(t *testing.T, pid int) map[int]Record {
	t.Helper()
	return fromTask(t, pid, pid)
}

// fromTask reads what /proc says of each descriptor of task tid of
// process pid (its own table where tid is not pid), as fromProc does.
func fromTask(t *testing.T, pid, tid int) map[int]Record {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid)
	if tid != pid {
		dir += "/task/" + strconv.Itoa(tid)
	}
	fdDir := dir + "/fd"
	ents, err := os.ReadDir(fdDir)
	if err != nil {
		t.Fatal(err)
	}
	recs := map[int]Record{}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			t.Fatalf("%s/%s: not a number", fdDir, e.Name())
		}
		link := filepath.Join(fdDir, e.Name())
		r := Record{PID: pid, TID: tid, FD: fd, MountID: -1}
		var st unix.Stat_t
		if err := unix.Stat(link, &st); err != nil {
			t.Fatalf("stat %s: %v", link, err)
		}
		r.Dev, r.Ino, r.Rdev, r.Mode = st.Dev, st.Ino, st.Rdev, st.Mode
		r.Nlink, r.Size = uint32(st.Nlink), st.Size
		if r.Path, err = os.Readlink(link); err != nil {
			t.Fatal(err)
		}
		info := dir + "/fdinfo/" + e.Name()
		f, err := os.Open(info)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), ":")
			v = strings.TrimSpace(v)
			switch k {
			case "pos":
				r.Pos, err = strconv.ParseInt(v, 10, 64)
			case "flags":
				var u uint64
				u, err = strconv.ParseUint(v, 8, 32)
				r.Flags = uint32(u)
			case "mnt_id":
				r.MountID, err = strconv.Atoi(v)
			case "Pid":
				var n int
				if n, err = strconv.Atoi(v); n > 0 {
					r.PidfdPID = n
				}
			case "ino":
				var ino uint64
				if ino, err = strconv.ParseUint(v, 10, 64); err == nil && ino != r.Ino {
					err = fmt.Errorf("fdinfo ino %d, stat ino %d", ino, r.Ino)
				}
			}
			if err != nil {
				t.Fatalf("%s: %s: %v", info, sc.Text(), err)
			}
		}
		f.Close()
		recs[fd] = r
	}
	return recs
}

// ofPID collects the records the iterator reports for pid, failing on a
// descriptor reported twice (threads must not repeat a process's files).
func ofPID(t *testing.T, it *Iter, pid int) map[int]Record {
	t.Helper()
	recs := map[int]Record{}
	err := it.Files(func(r Record) error {
		if r.PID != pid || r.TID != pid {
			return nil
		}
		if old, dup := recs[r.FD]; dup {
			return fmt.Errorf("fd %d of %d reported twice: %+v and %+v", r.FD, pid, old, r)
		}
		recs[r.FD] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// compare fails t for every descriptor that /proc and the iterator do
// not report alike. A pidfd's target the iterator may leave to fdinfo
// (0), but not give otherwise than fdinfo does.
func compare(t *testing.T, pid int, proc, kern map[int]Record) {
	t.Helper()
	var fds []int
	for fd := range proc {
		fds = append(fds, fd)
	}
	for fd := range kern {
		if _, ok := proc[fd]; !ok {
			fds = append(fds, fd)
		}
	}
	slices.Sort(fds)
	for _, fd := range fds {
		p, inProc := proc[fd]
		k, inKern := kern[fd]
		if k.PidfdPID == 0 {
			p.PidfdPID = 0
		}
		switch {
		case !inKern:
			t.Errorf("pid %d fd %d (%s): in /proc, not reported by the iterator", pid, fd, p.Path)
		case !inProc:
			t.Errorf("pid %d fd %d (%s): reported by the iterator, not in /proc", pid, fd, k.Path)
		case p != k:
			t.Errorf("pid %d fd %d:\n/proc    %+v\niterator %+v", pid, fd, p, k)
		}
	}
}

// TestLiveFilesMatchProc lists the fixture's descriptors with the
// iterator and checks every field against /proc: the fd directory's
// links and their stat, and fdinfo.
func TestLiveFilesMatchProc(t *testing.T) {
	it := openForTest(t, nil)
	h, dir, shm := startFixture(t)
	proc := fromProc(t, h.PID)
	kern := ofPID(t, it, h.PID)
	compare(t, h.PID, proc, kern)

	// The kinds the fixture holds are all there, so the comparison above
	// covered them: each expected name on some descriptor.
	want := map[string]bool{
		filepath.Join(dir, "readwrite"): false, filepath.Join(dir, "append"): false,
		filepath.Join(dir, "linked"): false, filepath.Join(dir, "deleted") + " (deleted)": false,
		dir: false, filepath.Join(shm, "on-tmpfs"): false, "/dev/null": false,
	}
	kinds := map[uint32]int{}
	for _, r := range kern {
		if _, ok := want[r.Path]; ok {
			want[r.Path] = true
		}
		kinds[r.Mode&unix.S_IFMT]++
		if r.Path == filepath.Join(dir, "thread-only") {
			t.Errorf("fd %d: the file a thread opened in its own table is reported as the process's: %+v", r.FD, r)
		}
	}
	// The thread's own table comes at its TID, with its process's PID,
	// as /proc/PID/task/TID/fd shows it; threads sharing the process's
	// table do not come at all.
	threads := map[int]map[int]Record{}
	if err := it.Files(func(r Record) error {
		if r.PID == h.PID && r.TID != h.PID {
			if threads[r.TID] == nil {
				threads[r.TID] = map[int]Record{}
			}
			threads[r.TID][r.FD] = r
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(threads) != 1 {
		t.Fatalf("threads with a table of their own: %d, want 1 (the fixture's)", len(threads))
	}
	for tid, recs := range threads {
		compare(t, tid, fromTask(t, h.PID, tid), recs)
		found := false
		for _, r := range recs {
			found = found || r.Path == filepath.Join(dir, "thread-only")
		}
		if !found {
			t.Errorf("thread %d's own table has no thread-only file: %+v", tid, recs)
		}
	}
	for name, seen := range want {
		if !seen {
			t.Errorf("no descriptor of the fixture reported %q", name)
		}
	}
	for _, kind := range []uint32{unix.S_IFREG, unix.S_IFDIR, unix.S_IFCHR, unix.S_IFIFO, unix.S_IFSOCK} {
		if kinds[kind] == 0 {
			t.Errorf("no descriptor of type %#o reported; types seen %v", kind, kinds)
		}
	}
}

// TestLiveHolderMatchesProc checks the iterator against /proc for the
// holder fixture, which holds a file of every kind lsof names (eventfd,
// epoll, inotify, timerfd, signalfd, memfd, O_PATH, FIFOs, locks...).
// The pidfd is the kernel's one known difference: its inode says S_IFREG,
// and pidfs's getattr reports no type; it is checked apart.
func TestLiveHolderMatchesProc(t *testing.T) {
	it := openForTest(t, nil)
	h := livetest.StartHolder(t)
	proc := fromProc(t, h.PID)
	kern := ofPID(t, it, h.PID)
	for fd, p := range proc {
		k, ok := kern[fd]
		if !ok || p.Path != "anon_inode:[pidfd]" && !strings.HasPrefix(p.Path, "pidfd:") {
			continue
		}
		if p.Mode&unix.S_IFMT != 0 || k.Mode&unix.S_IFMT != unix.S_IFREG {
			t.Errorf("pidfd %d: stat type %#o, iterator %#o; want none and %#o (the known difference; is it gone?)",
				fd, p.Mode&unix.S_IFMT, k.Mode&unix.S_IFMT, unix.S_IFREG)
		}
		k.Mode &^= unix.S_IFMT
		kern[fd] = k
	}
	compare(t, h.PID, proc, kern)
	if len(kern) < 25 {
		t.Errorf("the holder has %d descriptors reported, want at least 25", len(kern))
	}
}

// TestLiveWanted gives the in-kernel filter two files the fixture holds
// and one it does not, and expects exactly the fixture's descriptors of
// the two, and of the file systems not in Plain (its proc file), as the
// full dump reports them.
func TestLiveWanted(t *testing.T) {
	full := openForTest(t, nil)
	h, dir, shm := startFixture(t)
	var ids []FileID
	for _, p := range []string{filepath.Join(shm, "on-tmpfs"), filepath.Join(dir, "linked")} {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, FileID{Dev: st.Dev, Ino: st.Ino})
	}
	unheld := filepath.Join(dir, "unheld")
	if err := os.WriteFile(unheld, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat(unheld, &st); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, FileID{Dev: st.Dev, Ino: st.Ino})
	plain := func(r Record) bool { return onPlain(t, r) }

	// The fixture's records, of the full dump (kept by keep) or of it.
	fixture := func(it *Iter, keep func(Record) bool) []Record {
		var out []Record
		if err := it.Files(func(r Record) error {
			if r.PID == h.PID && r.TID == h.PID && keep(r) {
				out = append(out, r)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	all := func(Record) bool { return true }
	want := fixture(full, func(r Record) bool { return slices.Contains(ids, FileID{r.Dev, r.Ino}) || !plain(r) })
	if n := len(slices.DeleteFunc(slices.Clone(want), func(r Record) bool { return !plain(r) })); n != 2 {
		t.Fatalf("the full dump has %d of the fixture's descriptors of the wanted files, want 2: %+v", n, want)
	}
	if !slices.ContainsFunc(want, func(r Record) bool { return r.Path == fmt.Sprintf("/proc/%d/status", h.PID) }) {
		t.Fatalf("the fixture's proc file is not among those to report: %+v", want)
	}
	if got := fixture(openForTest(t, &Search{Files: ids}), all); !slices.Equal(got, want) {
		t.Errorf("filtered in the kernel:\n%+v\nwant, from the full dump:\n%+v", got, want)
	}

	// A whole file system: every descriptor of the fixture's on the
	// tmpfs, and none of its others but those not on a plain one.
	var shmSt unix.Stat_t
	if err := unix.Stat(shm, &shmSt); err != nil {
		t.Fatal(err)
	}
	want = fixture(full, func(r Record) bool { return r.Dev == shmSt.Dev || !plain(r) })
	got := fixture(openForTest(t, &Search{Devs: []uint64{shmSt.Dev}}), all)
	if !slices.ContainsFunc(want, func(r Record) bool { return r.Dev == shmSt.Dev }) || !slices.Equal(got, want) {
		t.Errorf("the tmpfs's files, filtered in the kernel:\n%+v\nwant, from the full dump:\n%+v", got, want)
	}

	// Nothing wanted: only what is not on a plain file system.
	got = fixture(openForTest(t, &Search{}), all)
	want = fixture(full, func(r Record) bool { return !plain(r) })
	if !slices.Equal(got, want) {
		t.Errorf("OpenWanted of no files:\n%+v\nwant:\n%+v", got, want)
	}
}

// onPlain reports whether the file of record r is on a file system in
// Plain, by the magic number statfs gives through its proc link.
func onPlain(t *testing.T, r Record) bool {
	t.Helper()
	var fs unix.Statfs_t
	if err := unix.Statfs(fmt.Sprintf("/proc/%d/fd/%d", r.PID, r.FD), &fs); err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(Plain, func(p FileSystem) bool { return int64(p.Magic) == int64(fs.Type) })
}

// TestLiveFilesStops checks that an error from the callback ends the walk
// and comes back unchanged.
func TestLiveFilesStops(t *testing.T) {
	it := openForTest(t, nil)
	stop := errors.New("enough")
	n := 0
	err := it.Files(func(Record) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("Files = %v after %d records; want %v after 3", err, n, stop)
	}
}

// TestLiveFilesReadRaw checks that the walk of open files is read with
// raw reads, which need the iterator's file as an *os.File.
func TestLiveFilesReadRaw(t *testing.T) {
	it := openForTest(t, nil)
	rc, err := it.link.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if r, ok := filesReader(rc).(*rawread.Reader); !ok {
		t.Fatalf("the iterator's file (%T) is read as %T", rc, r)
	}
}

// TestLiveNobodyCannotOpen runs Open as the user nobody: it must fail
// with a permission error, print nothing on stderr and not crash.
func TestLiveNobodyCannotOpen(t *testing.T) {
	asNobody := livetest.AsNobody(t)
	// A copy of the test binary nobody can run: the build directory is
	// closed to other users.
	bin := filepath.Join(livetest.OpenDir(t), "kiter.test")
	src, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, src, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(asNobody[0], append(asNobody[1:], bin)...)
	cmd.Env = append(os.Environ(), probeEnv+"=1")
	res := livetest.RunCmd(t, cmd)
	if res.Code != 1 || !strings.HasPrefix(res.Stdout, "permission kiter: ") || res.Stderr != "" {
		t.Errorf("Open as nobody: status %d, stdout %q, stderr %q; want status 1, a permission error, no stderr",
			res.Code, res.Stdout, res.Stderr)
	}
}

// TestLivePIDNamespace runs the comparison with /proc again in a PID
// namespace of its own: the iterator walks only that namespace's
// processes, numbered as it numbers them.
func TestLivePIDNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("loading the iterator needs root")
	}
	if !livetest.InPIDNamespace(t) {
		return
	}
	it := openForTest(t, nil)
	h, _, _ := startFixture(t)
	compare(t, h.PID, fromProc(t, h.PID), ofPID(t, it, h.PID))
	seen := map[int]bool{}
	if err := it.Files(func(r Record) error {
		seen[r.PID] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for pid := range seen {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			t.Errorf("pid %d reported, not a process of this namespace: %v", pid, err)
		}
	}
	if !seen[1] || !seen[h.PID] {
		t.Errorf("pids reported %v, want this test (1) and its fixture (%d)", seen, h.PID)
	}
}

// TestLiveMaps checks the mappings the kernel reports of the fixture
// against its /proc/PID/maps: every run of lines naming one file (lines
// that map no file between them left out), with its first line's
// addresses, device and inode; and that runs of one path, and only
// those, have the same Name.
func TestLiveMaps(t *testing.T) {
	it := openForTest(t, nil)
	h, _, _ := startFixture(t)
	var got []Mapping
	if err := it.Maps(func(m Mapping) error {
		if m.PID == h.PID {
			got = append(got, m)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", h.PID))
	if err != nil {
		t.Fatal(err)
	}
	var want []Mapping
	var paths []string
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 6 || f[4] == "0" {
			continue
		}
		var m Mapping
		var major, minor uint32
		if _, err := fmt.Sscanf(f[0]+" "+f[3]+" "+f[4], "%x-%x %x:%x %d", &m.Start, &m.End, &major, &minor, &m.Ino); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		m.PID, m.Dev = h.PID, unix.Mkdev(major, minor)
		if n := len(want); n > 0 && want[n-1].Dev == m.Dev && want[n-1].Ino == m.Ino {
			continue
		}
		want = append(want, m)
		paths = append(paths, strings.Join(f[5:], " "))
	}
	if len(got) != len(want) || len(want) < mappedFiles {
		t.Fatalf("mappings from the kernel:\n%+v\nfrom /proc/%d/maps:\n%+v", got, h.PID, want)
	}
	for i := range got {
		for j := range got {
			if (got[i].Name == got[j].Name) != (paths[i] == paths[j]) {
				t.Errorf("mappings %d and %d: names %v and %v, paths %q and %q", i, j, got[i].Name, got[j].Name, paths[i], paths[j])
			}
		}
		got[i].Name = PathKey{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("mappings from the kernel:\n%+v\nfrom /proc/%d/maps:\n%+v", got, h.PID, want)
	}
}

// TestLivePidfdTarget opens pidfds of a process this test started and
// requires the walk to give the process's PID, as fdinfo's Pid does,
// while it lives, and 0 once it was reaped (fdinfo says -1 then, and
// the reader reads it), and for a pidfd of a thread.
func TestLivePidfdTarget(t *testing.T) {
	it := openForTest(t, nil)
	child := exec.Command("sleep", "1000")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	pid := child.Process.Pid
	reaped := false
	t.Cleanup(func() {
		if !reaped {
			child.Process.Kill()
			child.Wait()
		}
	})
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Skipf("pidfd_open: %v", err)
	}
	defer unix.Close(fd)
	// A pidfd of this test's thread: one the walk leaves to fdinfo
	// unless the thread leads the process.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	thread, err := unix.PidfdOpen(tid, unix.PIDFD_THREAD)
	if err == nil {
		defer unix.Close(thread)
	} else {
		thread = -1
	}
	fdinfoPid := func(fd int) string {
		b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", fd))
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "Pid:"); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}

	recs := ofPID(t, it, os.Getpid())
	if got, want := recs[fd].PidfdPID, pid; got != want || fdinfoPid(fd) != strconv.Itoa(pid) {
		t.Errorf("pidfd of a live process: the walk says %d, fdinfo %s, want %d", got, fdinfoPid(fd), want)
	}
	if thread >= 0 && tid != os.Getpid() {
		if got := recs[thread].PidfdPID; got != 0 {
			t.Errorf("pidfd of a thread: the walk says %d, want 0 (for fdinfo)", got)
		}
	}
	for n, r := range recs {
		if r.PidfdPID != 0 && strconv.Itoa(r.PidfdPID) != fdinfoPid(n) {
			t.Errorf("descriptor %d (%s): the walk says pidfd %d, fdinfo %s", n, r.Path, r.PidfdPID, fdinfoPid(n))
		}
	}

	child.Process.Kill()
	child.Wait()
	reaped = true
	if got := ofPID(t, it, os.Getpid())[fd].PidfdPID; got != 0 || fdinfoPid(fd) != "-1" {
		t.Errorf("pidfd of a reaped process: the walk says %d, fdinfo %s, want 0 and -1", got, fdinfoPid(fd))
	}
}
