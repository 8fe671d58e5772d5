//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/internal/livetest"
)

// firstLine is a command's first line of stderr: the message of a usage
// error, before a usage that is our own.
func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// compareUsage requires lsof's exit status and first line of stderr.
func compareUsage(t *testing.T, ours, ref string, args ...string) {
	t.Helper()
	want := livetest.Run(t, nil, ref, args...)
	got := livetest.Run(t, nil, ours, args...)
	if got.Code != want.Code || firstLine(got.Stderr) != firstLine(want.Stderr) {
		t.Errorf("lsof %v: %d %q, lsof's %d %q", args, got.Code, firstLine(got.Stderr), want.Code, firstLine(want.Stderr))
	}
	if want.Code == 0 {
		t.Errorf("lsof %v: the reference accepted it; the case proves nothing", args)
	}
}

// TestLiveOptionForms gives options in the forms scripts use, which lsof's
// own option reader allows: a value an option does not take is read
// again as options or as the first name (+L FILE, -oo2, -o FILE), signs
// lsof ignores (+a, +p), and values with trailing text (+c 5x).
func TestLiveOptionForms(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	hp := strconv.Itoa(h.PID)
	file := filepath.Join(h.Dir, "readonly")
	for _, args := range [][]string{
		{"-a", "-p", hp, "+L", file},
		{"-a", "-p", hp, "+L", "-d", "3"},
		{"+L", file, "-p", hp},
		{"-a", "-p", hp, "-oo2"},
		{"-a", "-p", hp, "-oo20"},
		{"-a", "-p", hp, "-o", file},
		{"-a", "-p", hp, "-o", "3"},
		{"+a", "-p", hp, "-d", "cwd"},
		{"-a", "+p", hp, "-d", "cwd"},
		{"+n", "+P", "-a", "-p", hp, "-d", "cwd"},
		{"+c", "5x", "-a", "-p", hp, "-d", "cwd"},
		{"+c", "3", "-a", "-p", hp, "-d", "cwd"},
		{"-S", "1", "-a", "-p", hp, "-d", "cwd"},
		{"-S0", "-a", "-p", hp, "-d", "cwd"},
		{"-KI", "-a", "-p", hp, "-d", "cwd"},
		{"-a", "-p", hp, "-d", "cwd", "-F", "pcn"},
		{"-a", "-p", hp, "+L0"},
	} {
		compare(t, ours, ref, args...)
	}
	for _, args := range [][]string{
		{"-os"}, {"-so"}, {"-p", hp, "-o", "-s"}, {"-p", "-a"}, {"-u", "-a"}, {"-Kxy"}, {"+d"},
		{"+D", "-p"}, {"-D", "x"}, {"-a", "-p", hp, "+L1x"}, {"-:"}, {"-r", "1x", "-p", hp}, {"-s", "TCP"},
	} {
		compareUsage(t, ours, ref, args...)
	}
}

// TestLiveRepeatCount lists twice with -r 1c2m<fmt> and exits, as lsof
// does. Without m<fmt> lsof 4.95 also reads the count again as -c (so
// "-r 1c2" selects commands starting with 2 too); ours does not, and
// lists the same twice.
func TestLiveRepeatCount(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	hp := strconv.Itoa(h.PID)
	got := compare(t, ours, ref, "-r", "1c2m<mark>", "-a", "-p", hp, "-d", "cwd")
	if n := strings.Count(got.Stdout, "<mark>\n"); n != 2 || strings.Count(got.Stdout, "COMMAND") != 2 {
		t.Errorf("-r 1c2m<mark>: want two listings each with a marker, got:\n%s", got.Stdout)
	}
	compare(t, ours, ref, "-r1c2m<mark>", "-Fpfn", "-a", "-p", hp, "-d", "cwd")
	plain := livetest.Run(t, nil, ours, "-r", "1c2", "-a", "-p", hp, "-d", "cwd")
	if plain.Code != 0 || plain.Stdout != strings.ReplaceAll(got.Stdout, "<mark>", "=======") {
		t.Errorf("-r 1c2: exit %d, output:\n%s\nwant status 0 and:\n%s", plain.Code, plain.Stdout, strings.ReplaceAll(got.Stdout, "<mark>", "======="))
	}
}

// TestLiveQuietMissingFile names a file that does not exist with -Q:
// lsof says nothing about it and exits 0; the other selections still
// apply.
func TestLiveQuietMissingFile(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	hp := strconv.Itoa(h.PID)
	missing := filepath.Join(h.Dir, "nosuch")
	file := filepath.Join(h.Dir, "readonly")
	for _, args := range [][]string{
		{"-Q", missing},
		{"-Q", "-a", "-p", hp, missing},
		{"-Q", "-p", hp, missing},
		{"-Q", file, missing},
	} {
		compare(t, ours, ref, args...)
	}
	compareUsage(t, ours, ref, "-Q", "-a", "-p", hp, "+d", missing)
	if got := compare(t, ours, ref, "-Q", "-p", hp, missing); !strings.Contains(got.Stdout, " cwd ") {
		t.Errorf("-Q -p %s %s: want the holder listed, got:\n%s", hp, missing, got.Stdout)
	}
}

// TestLiveVersion compares -v with lsof's layout: the same lines, named
// the same, in the same order (ours names its own revision besides), on
// stderr, exit status 0, and the revision line scripts grep for.
func TestLiveVersion(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	want := livetest.Run(t, nil, ref, "-v")
	got := livetest.Run(t, nil, ours, "-v")
	if got.Code != want.Code || got.Stdout != want.Stdout {
		t.Errorf("-v: exit %d, stdout %q; lsof's %d, %q", got.Code, got.Stdout, want.Code, want.Stdout)
	}
	keys := func(s string) []string {
		var k []string
		for _, l := range livetest.Lines(s) {
			if strings.HasPrefix(l, "    openfiles revision:") {
				continue
			}
			name, _, _ := strings.Cut(l, ":")
			k = append(k, name)
		}
		return k
	}
	if g, w := keys(got.Stderr), keys(want.Stderr); strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("-v lines:\n%s\nlsof's:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	rev := regexp.MustCompile(`(?m)^    revision: (.*)$`)
	g, w := rev.FindStringSubmatch(got.Stderr), rev.FindStringSubmatch(want.Stderr)
	if g == nil || w == nil || g[1] != w[1] {
		t.Errorf("-v revision %q, lsof's %q", g, w)
	}
	if !strings.Contains(got.Stderr, "\n    openfiles revision: ") || !strings.Contains(got.Stderr, "compiler version: go") {
		t.Errorf("-v does not name our build:\n%s", got.Stderr)
	}
}

// TestLiveInetAddressForms selects sockets by the numeric forms the C
// resolver reads as inet_aton(3) does, and rejects the forms lsof
// rejects.
func TestLiveInetAddressForms(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	s, ports := livetest.StartSockHolder(t)
	sp := strconv.Itoa(s.PID)
	port := ports["tcp4lo"]
	for _, spec := range []string{"@127.1", "@127.0.1", "@2130706433", "TCP@127.1:" + port, "@127.000.000.001", "4@127.1"} {
		got := compare(t, ours, ref, "-n", "-P", "-a", "-p", sp, "-i", spec)
		if !strings.Contains(got.Stdout, "127.0.0.1:"+port) {
			t.Errorf("-i %s: the listener on 127.0.0.1:%s is not listed:\n%s", spec, port, got.Stdout)
		}
	}
	for _, spec := range []string{"6@127.1", "@0x7f.1", "@1.2.3.4.5", "6@127.0.0.1"} {
		compareUsage(t, ours, ref, "-a", "-p", sp, "-i", spec)
	}
}

// TestLiveInetLimit gives -i more ports than lsof's limit of 100 entries,
// in one option and over two, and exactly 100, which lsof takes.
func TestLiveInetLimit(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	s, ports := livetest.StartSockHolder(t)
	sp := strconv.Itoa(s.PID)
	list := func(n int) string {
		p := []string{ports["tcp4lo"]}
		for i := 1; i < n; i++ {
			p = append(p, strconv.Itoa(1000+i))
		}
		return strings.Join(p, ",")
	}
	compareUsage(t, ours, ref, "-a", "-p", sp, "-i", "TCP:"+list(101))
	compareUsage(t, ours, ref, "-a", "-p", sp, "-i", "TCP:"+list(60), "-i", "UDP:"+list(41))
	if got := compare(t, ours, ref, "-n", "-P", "-a", "-p", sp, "-i", "TCP:"+list(100)); got.Code != 0 {
		t.Errorf("-i with 100 ports: exit status %d, want 0", got.Code)
	}
}

// TestLiveFlagsUnreadableLink holds a file whose path is longer than a
// page, so that the kernel refuses to read the descriptor's link
// (ENAMETOOLONG): lsof still prints the G field from fdinfo with -F.
func TestLiveFlagsUnreadableLink(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	dir, err := unix.Open(t.TempDir(), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Repeat("d", 250)
	for range 20 { // 20 x 251 bytes: past the 4096 the kernel allows
		if err := unix.Mkdirat(dir, name, 0o755); err != nil {
			t.Fatal(err)
		}
		sub, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		unix.Close(dir)
		if err != nil {
			t.Fatal(err)
		}
		dir = sub
	}
	fd, err := unix.Openat(dir, "f", unix.O_CREAT|unix.O_RDWR|unix.O_APPEND, 0o644)
	unix.Close(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "deep")
	defer f.Close()
	cmd := exec.Command("sleep", "60")
	cmd.ExtraFiles = []*os.File{f} // its descriptor 3
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := strconv.Itoa(cmd.Process.Pid)
	if _, err := os.Readlink("/proc/" + pid + "/fd/3"); err == nil {
		t.Fatal("the descriptor's link can be read: the case proves nothing")
	}
	for _, args := range [][]string{{"-F", "-a", "-p", pid, "-d", "3"}, {"-FfGn", "-a", "-p", pid, "-d", "3"}, {"-a", "-p", pid, "-d", "3"}} {
		got := compare(t, ours, ref, args...)
		if strings.HasPrefix(args[0], "-F") && !strings.Contains(got.Stdout, "\nG0x") {
			t.Errorf("lsof %v: no G field:\n%s", args, got.Stdout)
		}
	}
}

// TestLiveUnixSocketsInDir names a directory with +d and +D, and a socket
// file, where a process has unix sockets bound: lsof lists the sockets
// whose path is that of a file searched for.
func TestLiveUnixSocketsInDir(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	s, _ := livetest.StartSockHolder(t)
	sp := strconv.Itoa(s.PID)
	for _, args := range [][]string{
		{"+d", s.Dir},
		{"+D", s.Dir},
		{"-a", "-p", sp, "+d", s.Dir},
		{filepath.Join(s.Dir, "stream.sock")},
		{"-t", filepath.Join(s.Dir, "dgram.sock")},
	} {
		got := compare(t, ours, ref, args...)
		if !strings.Contains(got.Stdout, " unix ") && args[0] != "-t" {
			t.Errorf("lsof %v lists no unix socket:\n%s", args, got.Stdout)
		}
	}
}

// TestLivePOSIXMessageQueue holds a message queue (mq_open) and lists it
// with an mqueue file system mounted, in a mount namespace of the run's
// own: lsof's type for it is then PSXMQ.
func TestLivePOSIXMessageQueue(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting an mqueue file system needs root")
	}
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	name := "openfiles-test-" + strconv.Itoa(os.Getpid())
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		t.Fatal(err)
	}
	fd, _, errno := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(p)), unix.O_CREAT|unix.O_RDWR|unix.O_CLOEXEC, 0o600, 0, 0, 0)
	if errno != 0 {
		t.Fatalf("mq_open: %v", errno)
	}
	t.Cleanup(func() { _, _, _ = unix.Syscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(p)), 0, 0) })
	q := os.NewFile(fd, name)
	defer q.Close()
	cmd := exec.Command("sleep", "60")
	cmd.ExtraFiles = []*os.File{q}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := strconv.Itoa(cmd.Process.Pid)
	mnt := t.TempDir()
	run := func(bin string, args ...string) livetest.Result {
		script := `mount -t mqueue none "$1" && shift && exec "$@"`
		return livetest.RunCmd(t, exec.Command("unshare", append([]string{"-m", "sh", "-c", script, "sh", mnt, bin}, args...)...))
	}
	for _, args := range [][]string{{"-a", "-p", pid, "-d", "3"}, {"-F", "-a", "-p", pid, "-d", "3"}, {filepath.Join(mnt, name)}} {
		want, got := run(ref, args...), run(ours, args...)
		if got != want {
			t.Errorf("lsof %v with mqueue mounted:\n%s%s(%d)\nlsof's:\n%s%s(%d)", args, got.Stdout, got.Stderr, got.Code, want.Stdout, want.Stderr, want.Code)
		}
		if !strings.Contains(want.Stdout, "PSXMQ") {
			t.Errorf("lsof %v: lsof shows no PSXMQ; the case proves nothing:\n%s", args, want.Stdout)
		}
	}
}

// TestLiveLinuxDialectOptions runs the options lsof 4.95 has on Linux
// for less common needs: -X (no TCP, UDP nor raw IPv6 tables), +m (the
// mount supplement), -V (what was not found), -N (NFS files: none here),
// +M and -M, and the ones lsof refuses on this machine (-m, -Z).
func TestLiveLinuxDialectOptions(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	s, _ := livetest.StartSockHolder(t)
	hp, sp := strconv.Itoa(h.PID), strconv.Itoa(s.PID)
	if os.Geteuid() == 0 {
		if got := compare(t, ours, ref, "-X", "-p", sp); !strings.Contains(got.Stdout, "(-X specified)") {
			t.Errorf("-X: no socket left unidentified:\n%s", got.Stdout)
		}
	}
	if got := compare(t, ours, ref, "+m"); !strings.Contains(got.Stdout, "/proc 0x") {
		t.Errorf("+m lists no /proc:\n%s", got.Stdout)
	}
	for _, args := range [][]string{
		{"-V", "-a", "-p", hp + ",999999998,999999997", "-c", "nosuch1", "-c", "nosuch2", "-c", "/nosuch3/", "-g", "999999996",
			"-i", "TCP:1", "-i", "UDP:2", "-sTCP:LISTEN", "-u", "nobody", filepath.Join(h.Dir, "readonly"), "/proc"},
		{"-V", "-p", hp},
		{"-N", "-p", hp},
		{"-N", "-a", "-p", hp},
		{"-V", "-N", "-a", "-p", hp},
		{"+M", "-a", "-p", hp, "-d", "cwd"},
		{"-M", "-a", "-p", hp, "-d", "cwd"},
		{"+m", filepath.Join(h.Dir, "supplement"), "-a", "-p", hp, "-d", "cwd"},
	} {
		compare(t, ours, ref, args...)
	}
	for _, args := range [][]string{{"-m", "x"}, {"-Z"}, {"-Z", "x"}} {
		compareUsage(t, ours, ref, args...)
	}
}
