//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
)

// binsEnv passes the programs built outside a PID namespace to the run
// of the test inside it, as name=path words.
const binsEnv = "FUSER_LIVETEST_BINS"

// bins are the programs the live tests run.
type bins struct {
	ours, ref, holder, sockholder string
}

// buildBins builds our fuser and the holders, or, in a PID namespace,
// takes the ones built outside; and it requires the reference fuser.
func buildBins(t *testing.T) bins {
	t.Helper()
	b := bins{ref: livetest.Reference(t, "/usr/bin/fuser")}
	if v := os.Getenv(binsEnv); v != "" {
		for _, w := range strings.Fields(v) {
			k, p, _ := strings.Cut(w, "=")
			switch k {
			case "fuser":
				b.ours = p
			case "holder":
				b.holder = p
			case "sockholder":
				b.sockholder = p
			}
		}
		return b
	}
	b.ours = livetest.Build(t, "./cmd/fuser")
	b.holder = livetest.Build(t, "./internal/holder")
	b.sockholder = livetest.Build(t, "./internal/sockholder")
	return b
}

func (b bins) env() string {
	return binsEnv + "=fuser=" + b.ours + " holder=" + b.holder + " sockholder=" + b.sockholder
}

// runFuser runs a fuser binary as "fuser" (its messages name it), in
// dir, under the C locale, with stdin as its input.
func runFuser(t *testing.T, bin, dir, stdin string, args ...string) livetest.Result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Args[0] = "fuser"
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.Stdin = strings.NewReader(stdin)
	return livetest.RunCmd(t, cmd)
}

// TestLiveDifferential runs our fuser and /usr/bin/fuser with the same
// arguments on files, a directory, mount points, and TCP and UDP ports
// over IPv4 and IPv6, held by processes the test started, and on bad
// input, and requires the same stdout, stderr and exit status. It runs
// in a PID namespace of its own, so that both see the same processes.
func TestLiveDifferential(t *testing.T) {
	b := buildBins(t)
	if !livetest.InPIDNamespace(t, b.env()) {
		return
	}
	dir := t.TempDir()
	livetest.Start(t, b.holder, dir, nil, dir)
	if err := os.Symlink("readwrite", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	sockDir := t.TempDir()
	_, ports := livetest.Start(t, b.sockholder, sockDir, nil, sockDir)
	for _, p := range []string{"tcp4lo", "tcp6lo", "tcp4any", "dual", "udp4", "udp6"} {
		if ports[p] == "" {
			t.Fatalf("the socket holder reports no %s port: %v", p, ports)
		}
	}
	tcp4, tcp6, udp4, udp6 := ports["tcp4lo"]+"/tcp", ports["tcp6lo"]+"/tcp", ports["udp4"]+"/udp", ports["udp6"]+"/udp"
	stream := filepath.Join(sockDir, "stream.sock")
	for _, args := range [][]string{
		// Files and directories.
		{"readonly"},
		{"-v", "readonly", "writeonly", "readwrite", "append", "fifo", "mapped", "flocked"},
		{"-v", dir},
		{"."},
		{"-v", "sub/../readonly", "./link", dir + "//", "with space"},
		{"-u", "readonly", "writeonly"},
		{"-v", "-u", "readonly"},
		{"-a", "missing", "readonly", "sub"},
		{"-a", "-v", "missing", "readonly", "sub"},
		{"missing"},
		{"missing", "sub"},
		{"-s", "readonly"},
		{"-s", "missing"},
		{"-w", "-v", "writeonly", "readonly"},
		{b.holder},
		{"-v", b.holder, filepath.Dir(b.holder)},
		{"--verbose", "--user", "readonly"},
		{"-n", "file", "readonly", "readonly/file"},
		// File systems and mount points.
		{"-m", dir},
		{"-m", "-v", dir},
		{"-c", "-v", "sub"},
		{"-M", dir, "/proc"},
		{"-M", "-m", "-v", "/proc"},
		{"-v", "/proc"},
		{"-v", "/"},
		// Sockets.
		{tcp4},
		{tcp6},
		{"-v", tcp4, tcp6, udp4, udp6},
		{"-4", tcp4, tcp6},
		{"-6", tcp4, tcp6, udp6},
		{"-n", "tcp", ports["tcp4lo"], ports["udp4"] + "/udp"},
		{"-n", "udp", ports["udp4"], ports["udp6"]},
		{ports["tcp4lo"] + ",127.0.0.1/tcp"},
		{ports["tcp4lo"] + ",127.0.0.1," + ports["tcp4lo"] + "/tcp"},
		{",," + ports["tcp4lo"] + "/tcp"},
		{",127.1/tcp", "-v"},
		{ports["tcp6lo"] + ",::1/tcp", ports["tcp4lo"] + ",::1/tcp"},
		{ports["dual"] + ",::ffff:127.0.0.1/tcp"},
		{ports["tcp4lo"] + ",localhost/tcp"},
		{"-v", "-u", tcp4},
		{"-a", "1/tcp", tcp4, "-v"},
		{"-s", tcp4},
		{"-v", stream},
		{"-m", "-v", sockDir},
		// Bad input.
		{"nosuchservice/tcp", "0x50/udp", "99999/tcp"},
		{"-SIGFOO", "readonly"},
		{"-k", "-IOT", "readonly"},
		{"-x", "readonly"},
		{"--bogus"},
		{},
		{"--", "readonly"},
		{"-s", "-a", "readonly"},
		{"-4", "-6", "readonly"},
		{"-n", "sctp", "1"},
		{"-n"},
		{"-m", tcp4},
		{"-h"},
		{"-l"},
		{"-V"},
	} {
		want := runFuser(t, b.ref, dir, "", args...)
		got := runFuser(t, b.ours, dir, "", args...)
		if got != want {
			t.Errorf("fuser %q:\nours:   exit %d\nstdout %q\nstderr:\n%s\npsmisc: exit %d\nstdout %q\nstderr:\n%s",
				args, got.Code, got.Stdout, got.Stderr, want.Code, want.Stdout, want.Stderr)
		}
	}
	// The comparison must have covered every access letter and the
	// kernel's use of a mount point.
	verbose := runFuser(t, b.ours, dir, "", "-v", "readonly", "writeonly", "mapped", b.holder, dir, "/proc").Stderr
	for _, want := range []string{" f.... holder", " F.... holder", " ....m holder", " ...e. holder", " f.c.. holder", " mount /proc"} {
		if !strings.Contains(verbose, want) {
			t.Errorf("fuser -v shows no %q:\n%s", want, verbose)
		}
	}
}

// TestLiveHost compares our fuser with /usr/bin/fuser in the machine's
// own PID namespace, where some processes may refuse to be read (on a
// machine whose PID 1 hides its descriptors, each gives psmisc's
// "Cannot stat file" line), on a file and on ports held by processes the
// test started: the port search reads links alone and must report the
// same errors as psmisc's stats. Processes elsewhere on the machine may
// change between the two runs, so a difference is retried.
func TestLiveHost(t *testing.T) {
	b := buildBins(t)
	dir := t.TempDir()
	livetest.Start(t, b.holder, dir, nil, dir)
	sockDir := t.TempDir()
	_, ports := livetest.Start(t, b.sockholder, sockDir, nil, sockDir)
	errLines := 0
	for _, args := range [][]string{
		{"-v", "readonly", "writeonly"},
		{ports["tcp4lo"] + "/tcp"},
		{"-v", ports["udp6"] + "/udp", ports["tcp6lo"] + "/tcp"},
	} {
		var got, want livetest.Result
		for range 5 {
			want = runFuser(t, b.ref, dir, "", args...)
			got = runFuser(t, b.ours, dir, "", args...)
			if got == want {
				break
			}
		}
		if got != want {
			t.Errorf("fuser %q:\nours:   exit %d\nstdout %q\nstderr:\n%s\npsmisc: exit %d\nstdout %q\nstderr:\n%s",
				args, got.Code, got.Stdout, got.Stderr, want.Code, want.Stdout, want.Stderr)
		}
		if got.Code != 0 {
			t.Errorf("fuser %q found nothing of the test's processes", args)
		}
		errLines += strings.Count(got.Stderr, "Cannot stat file ")
	}
	t.Logf("%d lines about descriptors neither could read", errLines)
}
