//go:build linux

package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

// TestLiveSourceAccess lists the holder, which runs with every
// capability, from a root without CAP_SYS_PTRACE: proc then refuses its
// links, as a process of higher privilege's are refused, though the
// kernel's iterators, which need only CAP_BPF and CAP_PERFMON, see its
// descriptors. Ours must show what lsof 4.95 shows, from either source,
// and say which source it read.
func TestLiveSourceAccess(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("dropping a capability from root needs root")
	}
	if it, err := kiter.Open(); err != nil {
		t.Skipf("kernel iterators cannot load here: %v", err)
	} else {
		it.Close()
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv is needed to drop a capability: %v", err)
	}
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	pid := strconv.Itoa(h.PID)
	noPtrace := []string{setpriv, "--bounding-set=-sys_ptrace", "--"}
	run := func(env []string, bin string) livetest.Result {
		return livetest.Run(t, append([]string{"LC_ALL=C"}, env...), noPtrace[0], append(append(noPtrace[1:], bin), "-n", "-P", "-p", pid)...)
	}
	want := run(nil, ref)
	if !strings.Contains(want.Stdout, "/fd/3 (readlink: Permission denied)") {
		t.Fatalf("without CAP_SYS_PTRACE, lsof 4.95 still reads the holder's descriptors:\n%s", want.Stdout)
	}
	for _, src := range []string{"proc", "kernel"} {
		got := run([]string{fdscan.SourceEnv + "=" + src, fdscan.DebugEnv + "=1"}, ours)
		said := "lsof: descriptors read from " + src + "\n"
		if !strings.HasSuffix(got.Stderr, said) {
			t.Errorf("%s: stderr %q does not end in %q", src, got.Stderr, said)
		}
		if got.Stdout != want.Stdout || got.Code != want.Code || strings.TrimSuffix(got.Stderr, said) != want.Stderr {
			t.Errorf("%s: exit %d, stderr %q, stdout:\n%s\nlsof 4.95's: exit %d, stderr %q, stdout:\n%s",
				src, got.Code, got.Stderr, got.Stdout, want.Code, want.Stderr, want.Stdout)
		}
	}
}
