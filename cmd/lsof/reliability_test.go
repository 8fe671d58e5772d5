//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openfiles/openfiles/internal/livetest"
	"github.com/openfiles/openfiles/pkg/render"
)

// hostileNames are file names that try to move the cursor, forge lines or
// break decoders.
var hostileNames = []string{
	"new\nline", "esc\x1b[2J\x1b[Hclear", "bell\a", "cr\rreturn", "tab\tbed", "del\x7f",
	"bad-utf8-\xff\xfe", "c1-\xc2\x9b31m", "back\\slash", "quote\"s", "fake (deleted)",
}

// startHostile starts a sleep for each hostile name, holding that file as
// its standard input, plus one holding a path near PATH_MAX; it returns
// their PIDs and the paths by PID.
func startHostile(t *testing.T) ([]string, map[int]string) {
	t.Helper()
	dir := t.TempDir()
	paths := map[int]string{}
	var pids []string
	long := dir
	for len(long) < 4000 {
		long = filepath.Join(long, strings.Repeat("d", 200))
	}
	if err := os.MkdirAll(long, 0o755); err != nil {
		t.Fatal(err)
	}
	names := append([]string{}, hostileNames...)
	for _, n := range names {
		paths[len(paths)] = filepath.Join(dir, n)
	}
	paths[len(paths)] = filepath.Join(long, "f")
	byPID := map[int]string{}
	for i := range len(paths) {
		p := paths[i]
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sleep", "600")
		cmd.Stdin = f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		pids = append(pids, strconv.Itoa(cmd.Process.Pid))
		byPID[cmd.Process.Pid] = p
	}
	return pids, byPID
}

// TestLiveHostileNames lists files whose names hold control characters,
// invalid UTF-8 and near PATH_MAX bytes: the table and fields are lsof's,
// no control byte reaches the output, and every JSON line decodes to the
// real name.
func TestLiveHostileNames(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	pids, byPID := startHostile(t)
	list := strings.Join(pids, ",")
	for _, locale := range []string{"C", "C.UTF-8"} {
		env := []string{"LC_ALL=" + locale}
		for _, args := range [][]string{{"-a", "-p", list, "-d", "0"}, {"-F", "-a", "-p", list, "-d", "0"}} {
			want := livetest.Run(t, env, ref, args...)
			got := livetest.Run(t, env, ours, args...)
			if got.Stdout != want.Stdout || got.Code != want.Code {
				t.Errorf("%s lsof %v:\n%s\nlsof's:\n%s", locale, args, got.Stdout, want.Stdout)
			}
			for i := 0; i < len(got.Stdout); i++ {
				if c := got.Stdout[i]; (c < 0x20 && c != '\n') || c == 0x7f {
					t.Errorf("%s lsof %v: control byte %#x in the output", locale, args, c)
					break
				}
			}
			if strings.Count(got.Stdout, "\n") < len(pids) {
				t.Errorf("%s lsof %v: fewer lines than processes:\n%s", locale, args, got.Stdout)
			}
		}
	}
	js := livetest.Run(t, nil, ours, "--json", "-a", "-p", list, "-d", "0")
	sc := bufio.NewScanner(strings.NewReader(js.Stdout))
	sc.Buffer(nil, 1<<20)
	seen := 0
	for sc.Scan() {
		var r render.JSONFile
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("JSON line does not decode: %v: %q", err, sc.Text())
		}
		name := r.Name
		if r.NameB64 != "" {
			b, err := base64.StdEncoding.DecodeString(r.NameB64)
			if err != nil {
				t.Fatal(err)
			}
			name = string(b)
		}
		if name != byPID[r.PID] {
			t.Errorf("JSON name of %d = %q, want %q", r.PID, name, byPID[r.PID])
		}
		seen++
	}
	if seen != len(pids) {
		t.Errorf("%d JSON lines, want %d", seen, len(pids))
	}
}

// TestLiveClosedStdout lists everything into a pipe whose reader has
// gone: the listing stops early and quietly, where lsof scans on.
func TestLiveClosedStdout(t *testing.T) {
	ours := livetest.Build(t, "./cmd/lsof")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd := exec.Command(ours)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("lsof kept going with nobody reading its output")
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %q", stderr.String())
	}
	if cmd.ProcessState.Success() {
		t.Error("exit status 0 with the output lost")
	}
}
