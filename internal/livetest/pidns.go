//go:build linux

package livetest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pidnsEnv names, in the environment of a test binary run by
// InPIDNamespace, the test that runs there.
const pidnsEnv = "LIVETEST_PIDNS_TEST"

// pidnsTimeout bounds a run in a PID namespace, so that nothing hangs.
const pidnsTimeout = 2 * time.Minute

// InPIDNamespace runs the calling top-level test again, alone, in a PID
// namespace of its own with its own /proc: there the test binary is
// PID 1 and sees only the processes it starts, no signal it sends can
// reach any other process, and when it ends the kernel ends whatever is
// left in the namespace. The same PIDs, mounts and socket tables are
// then seen by every tool the test runs, whatever else the machine does.
//
// In the namespace InPIDNamespace returns true and the test goes on.
// Outside it returns false once the run in the namespace is over,
// having failed t with that run's output if it failed. env is added to
// the environment of the run in the namespace.
func InPIDNamespace(t *testing.T, env ...string) bool {
	t.Helper()
	if os.Getenv(pidnsEnv) == t.Name() {
		if os.Getpid() != 1 {
			t.Fatalf("%s=%s is set but this is PID %d, not 1 of a namespace", pidnsEnv, t.Name(), os.Getpid())
		}
		return true
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare is needed to make a PID namespace: %v", err)
	}
	args := []string{"--pid", "--fork", "--mount-proc", "--kill-child"}
	if os.Geteuid() != 0 {
		args = append([]string{"--user", "--map-root-user"}, args...)
	}
	args = append(args, os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	ctx, cancel := context.WithTimeout(context.Background(), pidnsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, args...)
	cmd.Env = append(append(os.Environ(), pidnsEnv+"="+t.Name()), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err != nil || !strings.Contains(out.String(), "--- PASS: "+t.Name()) {
		t.Errorf("%s in a PID namespace: %v\n%s", t.Name(), err, out.String())
		return false
	}
	for _, l := range Lines(out.String()) {
		if strings.Contains(l, "--- ") || strings.Contains(l, ".go:") {
			t.Log("pidns: " + strings.TrimSpace(l))
		}
	}
	return false
}
