//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
	"github.com/openfiles/openfiles/pkg/render"
)

// TestGoldenContainers lists testdata/proc/containers, processes in the
// cgroups of each runtime (testdata/proc/mkcontainers.sh), with the
// NETNS and CONTAINER columns and the w and j fields.
func TestGoldenContainers(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"lsof-containers-table", []string{"--netns", "--container", "-d", "cwd"}},
		{"lsof-containers-fields", []string{"-F", "pcwj", "-d", "cwd"}},
		{"lsof-containers-options-fields", []string{"--netns", "--container", "-F", "pc", "-d", "cwd"}},
		{"lsof-containers-plain", []string{"-d", "cwd"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			checkGolden(t, tc.golden, tc.args, fixtureEnv(t, "containers", false))
		})
	}
}

// TestJSONContainers checks each fixture process's container and
// network namespace in --json --container --netns, against what its
// cgroup file names (testdata/proc/mkcontainers.sh).
func TestJSONContainers(t *testing.T) {
	const (
		id1 = "4f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
		id2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		id3 = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
		pod = "5e0e1b7c-2f0a-4c77-9b0e-3a5c7d9e1f20"
	)
	want := map[int]struct {
		c     *render.JSONContainer
		netns uint64
	}{
		300: {&render.JSONContainer{Runtime: "systemd", ID: "ssh.service"}, 4026531840},
		301: {&render.JSONContainer{Runtime: "docker", ID: id1}, 4026532301},
		302: {&render.JSONContainer{Runtime: "docker", ID: id2}, 4026532302},
		303: {&render.JSONContainer{Runtime: "containerd", ID: id3, Pod: pod}, 4026532303},
		304: {&render.JSONContainer{Runtime: "cri", ID: id1, Pod: pod}, 4026532303},
		305: {&render.JSONContainer{Runtime: "cri-o", ID: id2, Pod: pod}, 4026532305},
		306: {&render.JSONContainer{Runtime: "podman", ID: id3}, 4026532306},
		307: {&render.JSONContainer{Runtime: "podman", ID: id1}, 4026532307},
		308: {&render.JSONContainer{Runtime: "lxc", ID: "web1"}, 4026532308},
		309: {&render.JSONContainer{Runtime: "systemd", ID: "session-3.scope"}, 4026531840},
		310: {nil, 4026531840},
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--json", "--container", "--netns", "-d", "cwd"}, &stdout, &stderr, fixtureEnv(t, "containers", false)); code != 0 {
		t.Fatalf("lsof --json --container: want status 0, got %d, %s", code, stderr.String())
	}
	seen := map[int]bool{}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var r render.JSONFile
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		w, ok := want[r.PID]
		if !ok {
			t.Errorf("unexpected process %d", r.PID)
			continue
		}
		seen[r.PID] = true
		if (r.Container == nil) != (w.c == nil) || r.Container != nil && *r.Container != *w.c || r.NetNS != w.netns {
			t.Errorf("process %d: want container %+v, netns %d; got %+v, %d", r.PID, w.c, w.netns, r.Container, r.NetNS)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("want a record for each of %d processes, got %d", len(want), len(seen))
	}
	// Without --container, no cgroup is read and JSON has no container.
	stdout.Reset()
	run([]string{"--json", "-d", "cwd", "-p", "301"}, &stdout, &stderr, fixtureEnv(t, "containers", false))
	if strings.Contains(stdout.String(), "container") {
		t.Errorf("--json without --container: want no container, got %s", stdout.String())
	}
}

// TestLiveNetNSColumn starts a holder in a network namespace of its own
// and one in ours, and checks the NETNS column and the w field against
// their ns/net links.
func TestLiveNetNSColumn(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a network namespace needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare is needed to make a network namespace: %v", err)
	}
	ours := livetest.Build(t, "./cmd/lsof")
	sock := livetest.Build(t, "./internal/sockholder")
	apart, _ := livetest.Start(t, sock, t.TempDir(), []string{unshare, "--net", "--"}, "-listen")
	here := livetest.StartHolder(t)
	for _, h := range []*livetest.Holder{apart, here} {
		link, err := os.Readlink("/proc/" + strconv.Itoa(h.PID) + "/ns/net")
		if err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(strings.TrimPrefix(link, "net:["), "]")
		pid := strconv.Itoa(h.PID)
		r := livetest.Run(t, nil, ours, "--netns", "-a", "-p", pid, "-d", "cwd")
		rows := livetest.Lines(r.Stdout)
		if r.Code != 0 || len(rows) != 2 || !strings.Contains(rows[0], " NETNS ") ||
			strings.Fields(rows[1])[3] != want {
			t.Errorf("lsof --netns -a -p %s -d cwd: want status 0 and NETNS %s, got %d:\n%s%s", pid, want, r.Code, r.Stdout, r.Stderr)
		}
		r = livetest.Run(t, nil, ours, "-F", "pwf", "-a", "-p", pid, "-d", "cwd")
		if wantF := "p" + pid + "\nw" + want + "\nfcwd\n"; r.Stdout != wantF {
			t.Errorf("lsof -F pwf -a -p %s -d cwd: want %q, got %q", pid, wantF, r.Stdout)
		}
	}
}
