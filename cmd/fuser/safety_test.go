//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/internal/livetest"
)

// TestLiveOwnOptions covers what our fuser does that psmisc's does not:
// it refuses -k -m on a directory that is not a mount point unless
// --widen says so, never signals the processes it runs under, signals
// nothing with --dry-run and prints --json. It runs in a PID namespace
// of its own, with a tmpfs mounted in its own mount namespace, so that
// every process it lists or signals is one it started.
func TestLiveOwnOptions(t *testing.T) {
	b := buildBins(t)
	if !livetest.InPIDNamespace(t, b.env()) {
		return
	}
	// fs is a file system of the test's own: fs/sub/held and fs/other.
	fs := filepath.Join(t.TempDir(), "fs")
	if err := os.Mkdir(fs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", fs, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatalf("mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(fs, unix.MNT_DETACH) })
	sub := filepath.Join(fs, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	held, other := filepath.Join(sub, "held"), filepath.Join(fs, "other")
	for _, p := range []string{held, other} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// start starts a reader of held, and a process working in fs, which
	// -m on sub widened to fs matches.
	start := func(t *testing.T) (inSub, elsewhere *sleeper) {
		return startSleeper(t, openFile(t, held, false), false), startSleeperIn(t, fs, nil, false)
	}

	t.Run("widen", func(t *testing.T) {
		inSub, elsewhere := start(t)
		res := runFuser(t, b.ours, "/", "", "-k", "-m", sub)
		want := "fuser: not signalling: " + sub + " is not a mount point, and -m would widen it to the whole file system mounted on " + fs + ".\n" +
			"Name the mount point, or add --widen to signal every process using that file system.\n"
		if res.Code != 1 || res.Stdout != "" || res.Stderr != want {
			t.Errorf("fuser -k -m %s: exit %d, stdout %q, stderr %q; want exit 1, no output and stderr %q", sub, res.Code, res.Stdout, res.Stderr, want)
		}
		if got := inSub.fate(100 * time.Millisecond); got != 0 {
			t.Errorf("refused, yet the holder of %s ended by %v", held, got)
		}
		res = runFuser(t, b.ours, "/", "", "-k", "-m", "--widen", sub)
		if res.Code != 0 || inSub.fate(time.Second) != syscall.SIGKILL || elsewhere.fate(time.Second) != syscall.SIGKILL {
			t.Errorf("fuser -k -m --widen %s: exit %d (stderr %q); want both holders on %s killed", sub, res.Code, res.Stderr, fs)
		}
		// psmisc widens unasked: it kills the process outside sub too.
		inSub, elsewhere = start(t)
		res = runFuser(t, b.ref, "/", "", "-k", "-m", sub)
		if res.Code != 0 || inSub.fate(time.Second) != syscall.SIGKILL || elsewhere.fate(time.Second) != syscall.SIGKILL {
			t.Errorf("psmisc's fuser -k -m %s: exit %d; the test expected it to kill the process working in %s as well", sub, res.Code, fs)
		}
		// A mount point needs no --widen.
		inSub, elsewhere = start(t)
		res = runFuser(t, b.ours, "/", "", "-k", "-m", fs+"/")
		if res.Code != 0 || inSub.fate(time.Second) != syscall.SIGKILL || elsewhere.fate(time.Second) != syscall.SIGKILL {
			t.Errorf("fuser -k -m %s/: exit %d (stderr %q); want both holders killed", fs, res.Code, res.Stderr)
		}
	})

	t.Run("dry-run", func(t *testing.T) {
		// A shell holding the file runs fuser -k --dry-run on it: the
		// plan is a table of the holder, to be signalled, and the shell,
		// spared.
		inSub, _ := start(t)
		cmd := exec.Command("sh", "-c", `exec 3<"$1"; "$0" -k --dry-run -TERM "$1"`, b.ours, held)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		shell := cmd.Process.Pid
		err := cmd.Wait()
		wantOut := fmt.Sprintf(" %5d %5d", inSub.pid(), shell)
		lines := strings.Split(stderr.String(), "\n")
		plan := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Plan (--dry-run") })
		want := []string{
			"Plan (--dry-run, nothing was signalled): SIGTERM to 1 process, 1 process left alone",
			"NAME PID USER COMMAND SIGNAL",
			fmt.Sprintf("%s %d root sleep SIGTERM", held, inSub.pid()),
			fmt.Sprintf("%s %d root sh none: fuser runs under it", held, shell),
			"",
		}
		var got []string
		if plan >= 0 {
			for _, l := range lines[plan:] {
				got = append(got, strings.TrimSpace(livetest.Fold(l)))
			}
		}
		if err != nil || stdout.String() != wantOut || !slices.Equal(got, want) {
			t.Errorf("sh -c 'fuser -k --dry-run -TERM FILE': %v, stdout %q, stderr %q; want status 0, stdout %q, the plan ending stderr, blanks folded: %q",
				err, stdout.String(), stderr.String(), wantOut, want)
		}
		if got := inSub.fate(200 * time.Millisecond); got != 0 {
			t.Errorf("--dry-run, yet the holder ended by %v", got)
		}
	})

	t.Run("ancestors", func(t *testing.T) {
		// A shell holds the file and runs fuser -k on it: fuser kills
		// another holder, spares the shell and says so.
		for _, tc := range []struct {
			bin    string
			spares bool
		}{{b.ours, true}, {b.ref, false}} {
			inSub, _ := start(t)
			cmd := exec.Command("sh", "-c", `exec 3<"$1"; "$0" -k "$1"; echo "status $?"`, tc.bin, held)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			shell := cmd.Process.Pid
			err := cmd.Wait()
			if got := inSub.fate(time.Second); got != syscall.SIGKILL {
				t.Errorf("%s: the other holder ended by %v, want %v", tc.bin, got, syscall.SIGKILL)
			}
			if !tc.spares {
				// psmisc kills the shell that ran it.
				if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Errorf("psmisc's fuser did not kill the shell running it (%v): the test does not show the difference", err)
				}
				continue
			}
			wantOut := fmt.Sprintf(" %5d %5d", inSub.pid(), shell)
			wantErr := fmt.Sprintf("Spared process %d (sh): fuser runs under it\n", shell)
			if err != nil || !strings.HasPrefix(stdout.String(), wantOut) || !strings.HasSuffix(stdout.String(), "status 0\n") ||
				!strings.HasSuffix(stderr.String(), wantErr) {
				t.Errorf("sh -c 'fuser -k FILE': %v, stdout %q, stderr %q; want the shell to live on, stdout %q...\"status 0\", stderr ending %q",
					err, stdout.String(), stderr.String(), wantOut, wantErr)
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		r := startSleeper(t, openFile(t, held, false), false)
		w := startSleeper(t, openFile(t, held, true), true)
		res := runFuser(t, b.ours, "/", "", "--json", held, filepath.Join(fs, "missing"), "-m", fs)
		var got []jsonName
		if err := json.Unmarshal([]byte(res.Stdout), &got); err != nil {
			t.Fatalf("fuser --json printed no valid JSON (%v):\n%s", err, res.Stdout)
		}
		proc := func(s *sleeper, access string) jsonProcess {
			return jsonProcess{PID: s.pid(), UID: uint32(os.Geteuid()), User: userName(os.Geteuid()), Command: "sleep", Access: access}
		}
		want := []jsonName{
			{Name: held, Space: "file", Processes: []jsonProcess{proc(r, "f"), proc(w, "F")}},
			{Name: filepath.Join(fs, "missing"), Space: "file", Processes: []jsonProcess{}},
			{Name: fs, Space: "file", Processes: []jsonProcess{proc(r, "f"), proc(w, "F")}, Kernel: []jsonKernel{{Use: "mount", Path: fs}}},
		}
		if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w || res.Code != 0 {
			t.Errorf("fuser --json: exit %d\ngot  %s\nwant %s", res.Code, g, w)
		}
		if wantErr := "Specified filename " + filepath.Join(fs, "missing") + " does not exist.\n"; res.Stderr != wantErr {
			t.Errorf("fuser --json: stderr %q, want only %q", res.Stderr, wantErr)
		}
	})
}

// userName is the login name of uid in /etc/passwd, or "".
func userName(uid int) string {
	b, _ := os.ReadFile("/etc/passwd")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Split(l, ":"); len(f) > 2 && f[2] == strconv.Itoa(uid) {
			return f[0]
		}
	}
	return ""
}

// TestLiveNetNamespace starts a TCP listener in a network namespace of
// its own: our fuser finds it by its port, from the tables of that
// namespace, where psmisc's reads its own namespace's only and does
// not. It runs in a PID namespace, so that only the test's processes
// are seen.
func TestLiveNetNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("making a network namespace needs root")
	}
	b := buildBins(t)
	if !livetest.InPIDNamespace(t, b.env()) {
		return
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare is needed to make a network namespace: %v", err)
	}
	h, ports := livetest.Start(t, b.sockholder, t.TempDir(), []string{unshare, "--net", "--"}, "-listen")
	name := ports["listen"] + "/tcp"
	link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", h.PID))
	if err != nil {
		t.Fatal(err)
	}
	var netns uint64
	if _, err := fmt.Sscanf(link, "net:[%d]", &netns); err != nil {
		t.Fatalf("ns/net link %q: %v", link, err)
	}
	got := runFuser(t, b.ours, "/", "", "-v", name)
	wantOut := fmt.Sprintf(" %5d", h.PID)
	wantErr := fmt.Sprintf("                     USER        PID ACCESS COMMAND\n%-20s %-8s  F.... sockholder (netns %d)\n", name+":", userName(os.Geteuid()), netns)
	if got.Code != 0 || got.Stdout != wantOut || got.Stderr != wantErr {
		t.Errorf("fuser -v %s: exit %d, stdout %q, stderr:\n%s\nwant exit 0, stdout %q, stderr:\n%s", name, got.Code, got.Stdout, got.Stderr, wantOut, wantErr)
	}
	if ref := runFuser(t, b.ref, "/", "", name); ref.Code != 1 || ref.Stdout != "" {
		t.Errorf("psmisc's fuser %s: exit %d, stdout %q; the test expected it not to see the other namespace", name, ref.Code, ref.Stdout)
	}
	got = runFuser(t, b.ours, "/", "", "--json", name)
	if !strings.Contains(got.Stdout, fmt.Sprintf(`"pid":%d,`, h.PID)) || !strings.Contains(got.Stdout, fmt.Sprintf(`"netns":%d`, netns)) {
		t.Errorf("fuser --json %s does not give the holder's network namespace %d: %s", name, netns, got.Stdout)
	}

	// For a file name too -v and --json show the namespace: here the
	// listener's working directory.
	got = runFuser(t, b.ours, "/", "", "-v", h.Dir)
	if want := fmt.Sprintf("..c.. sockholder (netns %d)\n", netns); got.Code != 0 || !strings.Contains(got.Stderr, want) {
		t.Errorf("fuser -v %s: exit %d, stderr:\n%s\nwant exit 0 and a line ending %q", h.Dir, got.Code, got.Stderr, want)
	}
	got = runFuser(t, b.ours, "/", "", "--json", h.Dir)
	if !strings.Contains(got.Stdout, fmt.Sprintf(`"netns":%d`, netns)) {
		t.Errorf("fuser --json %s does not give the holder's network namespace %d: %s", h.Dir, netns, got.Stdout)
	}

	// -k lists the container's listener and spares it; --all-netns
	// signals it. Real signals: this is a PID namespace of the test's.
	got = runFuser(t, b.ours, "/", "", "-k", name)
	spared := fmt.Sprintf("Spared process %d (sockholder): its socket is in network namespace %d, not ours; --all-netns signals it\n", h.PID, netns)
	if got.Code != 1 || got.Stdout != wantOut || !strings.Contains(got.Stderr, spared) {
		t.Errorf("fuser -k %s: exit %d, stdout %q, stderr %q; want 1, the PID listed, and %q", name, got.Code, got.Stdout, got.Stderr, spared)
	}
	if state := livetest.ProcState(h.PID); state == "" || state == "Z" {
		t.Fatalf("fuser -k %s signalled the listener in another network namespace (state %q)", name, state)
	}
	got = runFuser(t, b.ours, "/", "", "-k", "--all-netns", name)
	if got.Code != 0 || got.Stdout != wantOut {
		t.Errorf("fuser -k --all-netns %s: exit %d, stdout %q, stderr %q; want 0 and the PID", name, got.Code, got.Stdout, got.Stderr)
	}
	for end := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if state := livetest.ProcState(h.PID); state == "" || state == "Z" {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("fuser -k --all-netns %s did not end the listener", name)
		}
	}
}

// TestWriteErrors runs fuser with its output on /dev/full: what it could
// not write is said on stderr, and the status is 1, as lsof does.
func TestWriteErrors(t *testing.T) {
	bin := livetest.Build(t, "./cmd/fuser")
	holder := livetest.StartHolder(t)
	file := filepath.Join(holder.Dir, "readonly")
	for _, args := range [][]string{{file}, {"--json", "-m", file}, {"-v", file}} {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Skipf("no /dev/full: %v", err)
		}
		cmd := exec.Command(bin, args...)
		cmd.Args[0] = "fuser"
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = full, &stderr
		err = cmd.Run()
		full.Close()
		code := cmd.ProcessState.ExitCode()
		if code != 1 || !strings.Contains(stderr.String(), "fuser: write error: No space left on device") {
			t.Errorf("fuser %q >/dev/full: exit %d (%v), stderr %q; want 1 and a write error", args, code, err, stderr.String())
		}
	}
}

// TestBindMountRefused bind-mounts a directory of the test's onto
// another: a mount point, but -m on it means the whole file system
// behind it, here the one holding the test's temporary files, and with
// -k that is refused unless --widen says so. A tmpfs mounted whole is
// not refused. Dry runs only: nothing is signalled.
func TestBindMountRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	// Its mounts stay in the namespace's own mount table: lsof 4.95,
	// run by other packages' tests meanwhile, would warn of them.
	b := buildBins(t)
	if !livetest.InPIDNamespace(t, b.env()) {
		return
	}
	bin := b.ours
	dir := t.TempDir()
	sub, bind, tmpfs := filepath.Join(dir, "sub"), filepath.Join(dir, "bind"), filepath.Join(dir, "tmpfs")
	for _, d := range []string{sub, bind, tmpfs} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Mount(sub, bind, "", unix.MS_BIND, ""); err != nil {
		t.Skipf("cannot bind-mount here: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(bind, unix.MNT_DETACH) })
	if err := unix.Mount("openfiles-test", tmpfs, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(tmpfs, unix.MNT_DETACH) })
	inBind := livetest.StartShell(t, "cd "+bind+" && exec sleep 600")
	inTmpfs := livetest.StartShell(t, "cd "+tmpfs+" && exec sleep 600")
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		a, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", inBind.Process.Pid))
		b, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", inTmpfs.Process.Pid))
		if a == bind && b == tmpfs {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the test's processes did not start in the mounts")
		}
	}
	run := func(args ...string) livetest.Result {
		cmd := exec.Command(bin, args...)
		cmd.Args[0] = "fuser"
		return livetest.RunCmd(t, cmd)
	}

	got := run("-k", "--dry-run", "-m", bind)
	if got.Code != 1 || !strings.Contains(got.Stderr, "fuser: not signalling: "+bind+" is a bind mount of ") ||
		!strings.Contains(got.Stderr, "--widen") || strings.Contains(got.Stderr, "Plan (") {
		t.Errorf("fuser -k --dry-run -m BINDMOUNT: exit %d, stderr %q; want 1 and a refusal naming --widen, no plan", got.Code, got.Stderr)
	}
	got = run("-k", "--dry-run", "--widen", "-m", bind)
	if want := fmt.Sprintf("%s %d root sleep SIGKILL", bind, inBind.Process.Pid); got.Code != 0 || !slices.Contains(planRows(got.Stderr), want) {
		t.Errorf("fuser -k --dry-run --widen -m BINDMOUNT: exit %d, plan %q; want 0 and the row %q", got.Code, planRows(got.Stderr), want)
	}
	got = run("-k", "--dry-run", "-m", tmpfs)
	want := []string{fmt.Sprintf("%s %d root sleep SIGKILL", tmpfs, inTmpfs.Process.Pid)}
	if rows := planRows(got.Stderr); got.Code != 0 || !slices.Equal(rows, want) {
		t.Errorf("fuser -k --dry-run -m TMPFS: exit %d, stderr %q; want 0 and only the plan row %q", got.Code, got.Stderr, want)
	}
}

// TestLiveForgedUnixLine binds an abstract unix socket whose name adds a
// line of its owner's making to /proc/net/unix, claiming that another
// process's (unbound) socket is bound to a socket file the test made. psmisc
// believes the line and names that process; fuser -k on the file must
// neither name nor signal it. Signals stay inside a PID namespace of the
// test's own.
func TestLiveForgedUnixLine(t *testing.T) {
	b := buildBins(t)
	if !livetest.InPIDNamespace(t, b.env()) {
		return
	}
	// A short path: the forged line must fit in a socket name.
	dir, err := os.MkdirTemp("", "fg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The target is a socket file, which fuser maps to the sockets
	// bound to it; the test's own socket is closed at once.
	target := filepath.Join(dir, "t")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = unix.Bind(fd, &unix.SockaddrUnix{Name: target})
	unix.Close(fd)
	if err != nil {
		t.Fatal(err)
	}
	victim, words := livetest.Start(t, b.sockholder, t.TempDir(), nil, "-unbound")
	forger, _ := livetest.Start(t, b.sockholder, t.TempDir(), nil, "-forge", words["inode"], target)

	ref := livetest.Run(t, nil, livetest.Reference(t, "/usr/bin/fuser"), target)
	if !slices.Contains(pidsIn(ref.Stdout), victim.PID) {
		t.Fatalf("psmisc fuser %s named %v, not the victim %d: the forgery did not take, so this test proves nothing", target, ref.Stdout, victim.PID)
	}
	got := livetest.RunBounded(t, 10*time.Second, b.ours, "-k", target)
	if pids := pidsIn(got.Stdout); len(pids) != 0 || got.Code != 1 {
		t.Errorf("fuser -k %s: exit %d, named %v; want exit 1 and nobody named (victim %d, forger %d)", target, got.Code, pids, victim.PID, forger.PID)
	}
	time.Sleep(100 * time.Millisecond)
	for _, h := range []*livetest.Holder{victim, forger} {
		if st := livetest.ProcState(h.PID); st == "" || st == "Z" {
			t.Errorf("process %d was signalled (state %q)", h.PID, st)
		}
	}
}

// planRows returns the rows of the plan -k --dry-run ends its standard
// error with, blanks folded, without its title and header.
func planRows(stderr string) []string {
	_, plan, ok := strings.Cut(stderr, "\nPlan (--dry-run")
	if !ok {
		return nil
	}
	lines := livetest.Lines(plan)
	if len(lines) < 2 {
		return nil
	}
	rows := make([]string, 0, len(lines)-2)
	for _, l := range lines[2:] {
		rows = append(rows, strings.TrimSpace(livetest.Fold(l)))
	}
	return rows
}
