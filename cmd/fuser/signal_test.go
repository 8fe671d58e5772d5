//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openfiles/openfiles/internal/livetest"
)

// sleeper is a process the test started: sleep, holding a file as its
// input or output.
type sleeper struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startSleeper starts sleep holding f (unless nil) as its input, or as
// its output when write is set, and closes the test's own copy of f.
// Once Start returns, sleep runs with its files in place. It is ended,
// by its own PID, when the test ends.
func startSleeper(t *testing.T, f *os.File, write bool) *sleeper {
	t.Helper()
	return startSleeperIn(t, "", f, write)
}

// startSleeperIn is startSleeper with sleep working in dir ("" is the
// test's own working directory).
func startSleeperIn(t *testing.T, dir string, f *os.File, write bool) *sleeper {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	cmd.Dir = dir
	if f != nil {
		defer f.Close()
		if write {
			cmd.Stdout = f
		} else {
			cmd.Stdin = f
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &sleeper{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	return s
}

// heldFile creates a file and opens it for reading or writing.
func heldFile(t *testing.T, write bool) (*os.File, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "held")
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return openFile(t, path, write), path
}

func openFile(t *testing.T, path string, write bool) *os.File {
	t.Helper()
	flag := os.O_RDONLY
	if write {
		flag = os.O_WRONLY
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// heldSocket listens on a TCP port of the loopback address and returns
// the listening socket as a file, the listener itself closed, and the
// name fuser knows it by.
func heldSocket(t *testing.T) (*os.File, string) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	return f, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "/tcp"
}

func (s *sleeper) pid() int { return s.cmd.Process.Pid }

// fate waits a little for the sleeper to end and returns the signal that
// ended it, or 0 when it is still running.
func (s *sleeper) fate(wait time.Duration) syscall.Signal {
	select {
	case <-s.done:
		ws := s.cmd.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			return ws.Signal()
		}
		return -1
	case <-time.After(wait):
		return 0
	}
}

// normalize replaces the PIDs of the test's processes with their roles,
// so that runs on different processes compare.
func normalize(r livetest.Result, roles map[int]string) livetest.Result {
	for pid, role := range roles {
		r.Stdout = strings.ReplaceAll(r.Stdout, fmt.Sprintf(" %5d", pid), " <"+role+">")
		re := regexp.MustCompile(`\b` + strconv.Itoa(pid) + `\b`)
		r.Stderr = re.ReplaceAllString(r.Stderr, "<"+role+">")
	}
	return r
}

// TestLiveSignals signals processes the test started, holding files the
// test created, with -k, -SIGNAL, -w and -i, and requires the processes
// hit, and the output, to be psmisc's. It runs in a PID namespace of its
// own, so that no signal can reach a process outside it.
func TestLiveSignals(t *testing.T) {
	b := buildBins(t)
	if !livetest.InPIDNamespace(t, b.env()) {
		return
	}
	for _, tc := range []struct {
		name  string
		args  []string // the file is appended
		input string   // for -i
		// want is the signal that ends the reader and the writer; 0 is
		// none.
		reader, writer syscall.Signal
		code           int
	}{
		{"kill", []string{"-k"}, "", syscall.SIGKILL, syscall.SIGKILL, 0},
		{"term-by-name", []string{"-k", "-TERM"}, "", syscall.SIGTERM, syscall.SIGTERM, 0},
		{"sig-prefix", []string{"-SIGUSR1", "-k", "-v"}, "", syscall.SIGUSR1, syscall.SIGUSR1, 0},
		{"by-number", []string{"-k", "-15"}, "", syscall.SIGTERM, syscall.SIGTERM, 0},
		{"write-only", []string{"-k", "-w", "-HUP"}, "", 0, syscall.SIGHUP, 0},
		{"silent", []string{"-k", "-s", "-INT"}, "", syscall.SIGINT, syscall.SIGINT, 0},
		{"ask-yes-no", []string{"-k", "-i"}, "y\nn\n", syscall.SIGKILL, 0, 0},
		{"ask-again", []string{"-k", "-i", "-u"}, "maybe\nN\nYes\n", 0, syscall.SIGKILL, 0},
		{"ask-eof", []string{"-k", "-i"}, "", 0, 0, 1},
		{"no-kill-without-k", []string{"-TERM"}, "", 0, 0, 0},
		{"signal-zero", []string{"-k", "-0"}, "", 0, 0, 0},
		{"bad-number", []string{"-k", "-99"}, "", 0, 0, 1},
		{"unknown", []string{"-k", "-FOO"}, "", 0, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var results [2]livetest.Result
			for i, bin := range []string{b.ours, b.ref} {
				rf, file := heldFile(t, false)
				r := startSleeper(t, rf, false)
				w := startSleeper(t, openFile(t, file, true), true)
				res := runFuser(t, bin, filepath.Dir(file), tc.input, append(tc.args, file)...)
				results[i] = normalize(res, map[int]string{r.pid(): "R", w.pid(): "W"})
				results[i].Stdout = strings.ReplaceAll(results[i].Stdout, file, "FILE")
				results[i].Stderr = strings.ReplaceAll(results[i].Stderr, file, "FILE")
				if bin != b.ours {
					continue
				}
				if got := r.fate(100 * time.Millisecond); got != tc.reader {
					t.Errorf("the reader ended by %v, want %v", got, tc.reader)
				}
				if got := w.fate(100 * time.Millisecond); got != tc.writer {
					t.Errorf("the writer ended by %v, want %v", got, tc.writer)
				}
				if res.Code != tc.code {
					t.Errorf("exit status %d, want %d; stderr:\n%s", res.Code, tc.code, res.Stderr)
				}
			}
			if results[0] != results[1] {
				t.Errorf("fuser %v:\nours:   %+v\npsmisc: %+v", tc.args, results[0], results[1])
			}
		})
	}

	t.Run("port", func(t *testing.T) {
		// Names that are only ports take the search by link text.
		var results [2]livetest.Result
		for i, bin := range []string{b.ours, b.ref} {
			sock, name := heldSocket(t)
			h := startSleeper(t, sock, false)
			res := runFuser(t, bin, "/", "", "-k", "-TERM", "-v", name)
			results[i] = normalize(res, map[int]string{h.pid(): "H"})
			results[i].Stderr = strings.ReplaceAll(results[i].Stderr, name, "PORT/tcp")
			if bin == b.ours {
				if got := h.fate(time.Second); got != syscall.SIGTERM || res.Code != 0 {
					t.Errorf("the socket's holder ended by %v, want %v; exit status %d", got, syscall.SIGTERM, res.Code)
				}
			}
		}
		if results[0] != results[1] {
			t.Errorf("fuser -k -TERM -v PORT/tcp:\nours:   %+v\npsmisc: %+v", results[0], results[1])
		}
	})

	t.Run("never-itself", func(t *testing.T) {
		// fuser reads the file itself, as its input, opened by a shell
		// that then becomes fuser (the test itself must not hold it):
		// fuser must neither list nor signal itself.
		file := filepath.Join(t.TempDir(), "held")
		if err := os.WriteFile(file, []byte("y\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sh", "-c", `exec "$0" -k "$1" <"$1"`, b.ours, file)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || out.Len() != 0 {
			t.Errorf("fuser -k on its own input: %v, output %q; want exit status 1 and no output", err, out.String())
		}
	})
}

// TestLiveKillLowFDLimit has 300 processes hold a file and runs fuser -k
// on it with ulimit -n 200, below the number of holders: every holder
// must be signalled, as psmisc signals them, however few descriptors
// fuser may open. It runs in a PID namespace of its own.
func TestLiveKillLowFDLimit(t *testing.T) {
	b := buildBins(t)
	if !livetest.InPIDNamespace(t, b.env()) {
		return
	}
	const holders = 300
	file := filepath.Join(t.TempDir(), "held")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	spawner := livetest.StartShell(t, fmt.Sprintf(`for i in $(seq %d); do sleep 600 <'%s' & done; wait`, holders, file))
	holding := func() []int {
		var pids []int
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == spawner.Process.Pid {
				continue
			}
			if link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/0", pid)); err == nil && link == file {
				pids = append(pids, pid)
			}
		}
		return pids
	}
	for end := time.Now().Add(10 * time.Second); len(holding()) < holders; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("only %d of %d holders started", len(holding()), holders)
		}
	}
	got := livetest.RunBounded(t, 30*time.Second, "sh", "-c", `ulimit -n 200 && exec "$0" -k "$1"`, b.ours, file)
	if got.Code != 0 || strings.Contains(got.Stderr, "Could not kill") {
		t.Errorf("fuser -k with ulimit -n 200: exit %d, stderr %q; want 0 and no failure", got.Code, got.Stderr)
	}
	if n := len(pidsIn(got.Stdout)); n != holders {
		t.Errorf("fuser -k named %d processes, want %d", n, holders)
	}
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		left := holding()
		if len(left) == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("%d of %d holders were not signalled, e.g. %d", len(left), holders, left[0])
		}
	}
}

// TestLivePIDReuse shows that a process identified by fuser -k and
// replaced, before the signal, by another process with the same PID is
// not signalled: fuser -i waits for its answer after identifying the
// holder, the test ends the holder and starts another process that gets
// its PID (set through ns_last_pid in a PID namespace of its own), then
// answers yes. Our fuser signals through the holder's pidfd, which fails;
// psmisc's kill(2) hits the newcomer, which shows the race is real.
func TestLivePIDReuse(t *testing.T) {
	b := buildBins(t)
	if !livetest.InPIDNamespace(t, b.env()) {
		return
	}
	if _, err := os.Stat("/proc/sys/kernel/ns_last_pid"); err != nil {
		t.Fatalf("this kernel cannot choose the next PID: %v", err)
	}
	for _, tc := range []struct {
		bin      string
		port     bool // name the holder's socket, not its file
		hitsNext bool
	}{{b.ours, false, false}, {b.ours, true, false}, {b.ref, false, true}} {
		f, file := heldFile(t, false)
		if tc.port {
			f.Close()
			f, file = heldSocket(t)
		}
		holder := startSleeper(t, f, false)
		pid := holder.pid()

		cmd := exec.Command(tc.bin, "-k", "-i", file)
		cmd.Args[0] = "fuser"
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr livetest.SyncBuffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		prompt := fmt.Sprintf("Kill process %d ? (y/N) ", pid)
		if !stderr.WaitFor(prompt, 10*time.Second) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("%s never asked %q; stderr: %q", tc.bin, prompt, stderr.String())
		}

		// The holder is identified; replace it.
		_ = holder.cmd.Process.Kill()
		<-holder.done
		next := reusePID(t, pid)

		io.WriteString(stdin, "y\n")
		stdin.Close()
		err = cmd.Wait()
		fate := next.fate(300 * time.Millisecond)
		if tc.hitsNext {
			if fate != syscall.SIGKILL {
				t.Errorf("psmisc's fuser did not hit the process that took PID %d (%v): the test does not reproduce the race", pid, fate)
			}
			continue
		}
		if fate != 0 {
			t.Errorf("our fuser (port %v) signalled the process that took PID %d: it ended by %v", tc.port, pid, fate)
		}
		want := prompt + fmt.Sprintf("Could not kill process %d: No such process\n", pid)
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.HasSuffix(stderr.String(), want) {
			t.Errorf("fuser -k -i: %v, stderr %q; want exit status 1 and stderr ending %q", err, stderr.String(), want)
		}
	}
}

// reusePID starts a sleeper with PID pid, free now, by setting the last
// PID handed out in this PID namespace to the one before. A thread the
// Go runtime starts meanwhile may take it; then it tries again.
func reusePID(t *testing.T, pid int) *sleeper {
	t.Helper()
	for range 10 {
		if err := os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(pid-1)), 0); err != nil {
			t.Fatalf("set ns_last_pid: %v", err)
		}
		s := startSleeper(t, nil, false)
		if s.pid() == pid {
			return s
		}
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	t.Fatalf("could not start a process with PID %d", pid)
	return nil
}
