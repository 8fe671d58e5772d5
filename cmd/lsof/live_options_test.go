//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
)

// TestLiveOptions compares our lsof with /usr/bin/lsof, stdout, stderr
// and exit status, for each selection, column and output option, on
// processes the test started. Selections are ANDed with -p so that no
// other process on the machine can make a difference.
func TestLiveOptions(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	s, _ := livetest.StartSockHolder(t)
	hp, sp := strconv.Itoa(h.PID), strconv.Itoa(s.PID)
	both := hp + "," + sp
	file := filepath.Join(h.Dir, "readonly")
	for _, args := range [][]string{
		{"-p", "^1," + hp, "-a", "-p", hp},
		{"-a", "-p", hp, "-u", "root"},
		{"-a", "-p", hp, "-u", "0"},
		{"-a", "-p", hp, "-u", "^daemon"},
		{"-a", "-p", both, "-c", "sockh"},
		{"-a", "-p", both, "-c", "/^h.ld/"},
		{"-a", "-p", both, "-c", "/HOLDER/i"},
		{"-a", "-p", both, "-c", "^sockh"},
		{"-a", "-p", hp, "-g"},
		{"-p", hp, "-R"},
		{"-a", "-p", hp, "-d", "3-10"},
		{"-a", "-p", hp, "-d", "^0-20"},
		{"-a", "-p", hp, "-d", "cwd,txt,DEL,mem"},
		{"-a", "-p", hp, file},
		{"-a", "-p", hp, "+d", h.Dir},
		{"-a", "-p", hp, "+D", h.Dir},
		{"-p", hp, "+L"},
		{"-a", "-p", hp, "+L1"},
		{"-p", hp, "-L"},
		{"-a", "-p", hp, "-K"},
		{"-p", hp, "-l"},
		{"-p", hp, "+c", "15"},
		{"-p", hp, "+c", "0"},
		{"-p", hp, "-o"},
		{"-p", hp, "-o", "-o3"},
		{"-p", hp, "-s"},
		{"-p", hp, "-w"},
		{"-p", hp, "-O"},
		{"-t", "-p", both},
		{"-t", "-a", "-p", hp, "-d", "99"},
		{"-F", "-p", both},
		{"-F0", "-p", hp},
		{"-Fpcfn", "-p", both},
		{"-Fk", "-a", "-p", hp, "-d", "3"},
		{"-Fo", "-p", hp},
		{"-FpcfnPT", "-a", "-p", sp, "-i"},
		{"-F", "-a", "-p", sp, "-U"},
		{"-n", "-P", "-F", "-a", "-p", sp, "-i"},
		{"-a", "-p", both, "-i", "-t"},
		{"-Q", "-p", "999999999"},
	} {
		compare(t, ours, ref, args...)
	}
}

// TestLiveFileArguments names files, a missing one among them, and a
// mount point.
func TestLiveFileArguments(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	dir := h.Dir
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(filepath.Join(dir, "readonly"), link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{filepath.Join(dir, "readonly")},
		{filepath.Join(dir, "readwrite"), filepath.Join(dir, "append")},
		{filepath.Join(dir, "readonly"), filepath.Join(dir, "nosuch")},
		{filepath.Join(dir, "nosuch")},
		{link},
		{dir + "/"},
		{"+d", dir},
		{"+D", dir},
		{"-t", filepath.Join(dir, "flocked")},
	} {
		compare(t, ours, ref, args...)
	}
}

// TestLiveUsageErrors gives bad options: the first line of stderr (the
// message) and the exit status must be lsof's; the usage that follows is
// our own.
func TestLiveUsageErrors(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	first := func(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }
	for _, args := range [][]string{
		{"-p", "x1"}, {"-p"}, {"-u", "nosuchuser0"}, {"-Fq"}, {"-F", "-t"}, {"-o", "-s"},
		{"-a"}, {"-x"}, {"-L1"}, {"-Kx"}, {"+c", "16"}, {"-c", "abcdefghijklmnop"},
		{"-c", "/abc"}, {"-c", "/a/q"}, {"-c", "/a/bx"}, {"-d", "1-"}, {"-d", "a-3"},
		{"-d", "3,^4"}, {"-d", "3-3"}, {"-p", "1", "-p", "^1"}, {"-Y"},
	} {
		want := livetest.Run(t, nil, ref, args...)
		got := livetest.Run(t, nil, ours, args...)
		if got.Code != want.Code || first(got.Stderr) != first(want.Stderr) {
			t.Errorf("lsof %v: %d %q, lsof's %d %q", args, got.Code, first(got.Stderr), want.Code, first(want.Stderr))
		}
		if want.Code == 0 {
			t.Errorf("lsof %v: the reference accepted it; the case proves nothing", args)
		}
	}
}

// TestLiveOtherUser lists a holder run as nobody by user name and UID.
func TestLiveOtherUser(t *testing.T) {
	asNobody := livetest.AsNobody(t)
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	dir := livetest.OpenDir(t)
	h, _ := livetest.Start(t, livetest.Build(t, "./internal/holder"), dir, asNobody, dir)
	pid := strconv.Itoa(h.PID)
	for _, args := range [][]string{
		{"-a", "-p", pid, "-u", "nobody"},
		{"-a", "-p", pid, "-u", "65534"},
		{"-a", "-p", pid, "-u", "^nobody"},
		{"-p", pid},
		{"-l", "-p", pid},
		{"-F", "-p", pid},
	} {
		compare(t, ours, ref, args...)
	}
}

// TestLiveRepeat runs +r1 on a process that exits after about two
// seconds: lsof lists it, with a marker after each listing, until a
// listing is empty, then exits 0; /usr/bin/lsof does the same.
func TestLiveRepeat(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	for _, bin := range []string{ours, ref} {
		sleep := exec.Command("sleep", "2")
		if err := sleep.Start(); err != nil {
			t.Fatal(err)
		}
		pid := strconv.Itoa(sleep.Process.Pid)
		done := make(chan struct{})
		go func() { _ = sleep.Wait(); close(done) }()
		got := livetest.Run(t, nil, bin, "+r1m<%s>", "-a", "-p", pid, "-d", "cwd")
		<-done
		lines := livetest.Lines(got.Stdout)
		if got.Code != 0 || len(lines) < 3 {
			t.Fatalf("%s: exit %d, output:\n%s%s", bin, got.Code, got.Stdout, got.Stderr)
		}
		for i, l := range lines {
			switch i % 3 {
			case 0:
				if !strings.HasPrefix(l, "COMMAND") {
					t.Errorf("%s: line %d %q, want a header", bin, i, l)
				}
			case 1:
				if !strings.HasPrefix(l, "sleep ") {
					t.Errorf("%s: line %d %q, want the sleep's cwd", bin, i, l)
				}
			case 2:
				if !strings.HasPrefix(l, "<") || !strings.HasSuffix(l, ">") {
					t.Errorf("%s: line %d %q, want a <time> marker", bin, i, l)
				}
			}
		}
		if len(lines)%3 != 0 {
			t.Errorf("%s: a listing without its marker:\n%s", bin, got.Stdout)
		}
	}
}

// TestLiveNotRoot runs ours and /usr/bin/lsof as nobody: processes of
// root show as lsof shows them (unreadable rows), nobody's in full. With
// --strict ours also sums up what it could not inspect and exits 2.
func TestLiveNotRoot(t *testing.T) {
	asNobody := livetest.AsNobody(t)
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	rootHolder := livetest.StartHolder(t)
	dir := livetest.OpenDir(t)
	own, _ := livetest.Start(t, livetest.Build(t, "./internal/holder"), dir, asNobody, dir)
	rp, op := strconv.Itoa(rootHolder.PID), strconv.Itoa(own.PID)
	for _, args := range [][]string{{"-p", rp}, {"-p", op}, {"-p", rp + "," + op, "-n", "-P"}, {"-F", "-p", rp}} {
		want := livetest.Run(t, nil, asNobody[0], append(append(asNobody[1:], ref), args...)...)
		got := livetest.Run(t, nil, asNobody[0], append(append(asNobody[1:], ours), args...)...)
		if got != want {
			t.Errorf("as nobody, lsof %v:\n%s%s(%d)\nlsof's:\n%s%s(%d)", args, got.Stdout, got.Stderr, got.Code, want.Stdout, want.Stderr, want.Code)
		}
	}
	strict := livetest.Run(t, nil, asNobody[0], append(append(asNobody[1:], ours), "--strict", "-p", rp+","+op)...)
	want := "lsof: 1 process not fully inspected (1 with no descriptors listed): permission denied; run as root to see them\n"
	if strict.Code != 2 || strict.Stderr != want {
		t.Errorf("--strict as nobody: exit %d, stderr %q; want 2, %q", strict.Code, strict.Stderr, want)
	}
}

// TestLiveOwner lists a process whose real user is nobody and whose
// effective user is root: lsof names the owner of /proc/PID (root, as
// such a process may not be dumped), not the real user.
func TestLiveOwner(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	dir := t.TempDir()
	h, _ := livetest.Start(t, livetest.Build(t, "./internal/holder"), dir, []string{"setpriv", "--ruid", "65534", "--"}, dir)
	pid := strconv.Itoa(h.PID)
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "\nUid:\t65534\t0\t") {
		t.Fatalf("holder not started with real user nobody and effective user root:\n%s", status)
	}
	for _, args := range [][]string{
		{"-p", pid},
		{"-a", "-p", pid, "-u", "nobody"},
		{"-a", "-p", pid, "-u", "root"},
		{"-l", "-p", pid, "-Fpu"},
	} {
		compare(t, ours, ref, args...)
	}
}
