//go:build linux

// Package livetest starts the processes that live tests list and compares
// listings with the installed reference tools. Every process it starts is
// ended when the test ends; it never touches a process it did not start.
package livetest

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// moduleRoot is the directory holding go.mod.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Build compiles a package of this module (such as "./internal/holder")
// once per test binary and returns the path of the executable.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "livetest-bin-")
		if buildErr == nil {
			// Tests run holders as other users too.
			buildErr = os.Chmod(buildDir, 0o755)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	out := filepath.Join(buildDir, filepath.Base(pkg))
	if _, err := os.Stat(out); err == nil {
		return out
	}
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = moduleRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// Holder is a running holder process.
type Holder struct {
	Cmd *exec.Cmd
	In  io.Writer // its standard input, for fixtures that take commands
	Dir string    // the directory its files are in
	PID int
}

// StartHolder starts the holder fixture process in a fresh directory and
// waits until it reports that every file is open. The process is ended
// when the test ends.
func StartHolder(t testing.TB) *Holder {
	t.Helper()
	dir := t.TempDir()
	h, _ := Start(t, Build(t, "./internal/holder"), dir, nil, dir)
	return h
}

// StartSockHolder starts the socket holder and returns it with the ports
// it reports bound, by name ("tcp4lo", "udp6", ...).
func StartSockHolder(t testing.TB) (*Holder, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	return Start(t, Build(t, "./internal/sockholder"), dir, nil, dir)
}

// Start runs bin with args, prefixed by the command wrap (such as
// unshare) when it is not nil, in dir, and waits for its "ready" line,
// whose name=value words it returns. The process is ended when the test
// ends: its input is closed, and it is killed by its own PID if it has
// not exited a few seconds later.
func Start(t testing.TB, bin, dir string, wrap []string, args ...string) (*Holder, map[string]string) {
	t.Helper()
	argv := append(append(wrap, bin), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		stdin.Close() // a holder exits when its input closes
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready") {
		_ = cmd.Process.Kill()
		t.Fatalf("%s did not get ready: %q, %v", bin, line, err)
	}
	words := map[string]string{}
	for _, w := range strings.Fields(line)[1:] {
		k, v, _ := strings.Cut(w, "=")
		words[k] = v
	}
	return &Holder{Cmd: cmd, In: stdin, Dir: dir, PID: cmd.Process.Pid}, words
}

// Reference returns the path of an installed reference tool, failing the
// test when it is missing: a differential test that cannot run must not
// pass.
func Reference(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("reference tool %s is not installed: %v", path, err)
	}
	return path
}

// Result is what a command printed and how it exited.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs a command with extra environment variables.
func Run(t testing.TB, env []string, name string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	return RunCmd(t, cmd)
}

// RunCmd runs a prepared command, capturing its output and exit status;
// it fails the test when the command cannot run at all.
func RunCmd(t testing.TB, cmd *exec.Cmd) Result {
	t.Helper()
	name, args := cmd.Path, cmd.Args[1:]
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return Result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

var blanks = regexp.MustCompile(` +`)

// Fold replaces each run of blanks with one, so that lines compare
// independently of column widths.
func Fold(line string) string {
	return blanks.ReplaceAllString(line, " ")
}

// Lines splits output into lines, dropping the final newline.
func Lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// StartShell starts sh -c script and kills that shell, by its own PID,
// when the test ends. The script's own children end with it or by
// themselves: scripts given here only run short-lived commands.
func StartShell(t testing.TB, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// AsNobody returns the command prefix that runs a program as the user
// nobody (setpriv). It skips the test when not run as root, and fails it
// when setpriv is missing.
func AsNobody(t testing.TB) []string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("switching to nobody needs root")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv is needed to run as nobody: %v", err)
	}
	return []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"}
}

// OpenDir makes a directory every user may write in, for a holder run as
// nobody; not t.TempDir, whose parent is closed to other users.
func OpenDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "livetest-open-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// RawControl returns the first control character of s other than a
// newline (C0, DEL, or C1 as UTF-8), quoted with its offset, and whether
// there is one: what a terminal would obey instead of showing.
func RawControl(s string) (string, bool) {
	for i, r := range s {
		if r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f {
			return strconv.QuoteRune(r) + " at byte " + strconv.Itoa(i), true
		}
	}
	return "", false
}

// HoldOpen starts a process holding file open for reading on its
// descriptor 0, waits until it does and has become sleep (the shell
// opens the file before it execs) and sleeps, and returns its PID. It is killed,
// by its own PID, when the test ends.
func HoldOpen(t testing.TB, file string) int {
	t.Helper()
	cmd := exec.Command("sh", "-c", `exec sleep 600 <"$0"`, file)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	dir := "/proc/" + strconv.Itoa(cmd.Process.Pid)
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		// Asleep, too: until then the loader and setlocale are still
		// mapping files, and two reads of its maps differ.
		l, _ := os.Readlink(dir + "/fd/0")
		comm, _ := os.ReadFile(dir + "/comm")
		if l == file && string(comm) == "sleep\n" && ProcState(cmd.Process.Pid) == "S" {
			return cmd.Process.Pid
		}
		if time.Now().After(end) {
			t.Fatalf("process %d did not open %s", cmd.Process.Pid, file)
		}
	}
}
