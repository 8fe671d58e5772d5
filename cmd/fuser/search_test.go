//go:build linux

package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
	"github.com/openfiles/openfiles/pkg/pathlookup"
)

// liveEnv runs fuser in this process on the live system, listing this
// process too.
func liveEnv(tr *trace) env {
	return env{
		procRoot: "/proc", netDir: "/proc/net", ownNetDir: true, mounts: "/proc/self/mountinfo",
		swaps: "/proc/swaps", exports: "/proc/fs/nfs/exports",
		passwd: "/etc/passwd", services: "/etc/services",
		argv0: "fuser", self: -1, lookup: &pathlookup.Lookup{}, trace: tr,
	}
}

// TestPortSearchReadsLinks looks up a port this process listens on: it
// must be found by the search that reads descriptor links alone, while
// a file name takes the full scan, and a port nothing uses reads no
// process at all. It runs in a PID namespace, where the scans are short.
func TestPortSearchReadsLinks(t *testing.T) {
	if !livetest.InPIDNamespace(t) {
		return
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	f, err := os.CreateTemp(t.TempDir(), "held")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	self := fmt.Sprintf(" %5d", os.Getpid())
	for _, tc := range []struct {
		args       []string
		found      bool
		links, all bool
	}{
		{[]string{port + "/tcp"}, true, true, false},
		{[]string{"-n", "tcp", port, ",," + port}, true, true, false},
		{[]string{f.Name()}, true, false, true},
		{[]string{port + "/tcp", f.Name()}, true, false, true},
		{[]string{"-6", port + "/tcp"}, false, false, false},
	} {
		tr := &trace{}
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr, liveEnv(tr))
		if found := strings.Contains(stdout.String(), self); found != tc.found || (code == 0) != tc.found {
			t.Errorf("fuser %v: exit status %d, stdout %q; want this process found: %v", tc.args, code, stdout.String(), tc.found)
		}
		if tr.linkSearch != tc.links || tr.fullScan != tc.all {
			t.Errorf("fuser %v: link search %v, full scan %v; want %v, %v", tc.args, tr.linkSearch, tr.fullScan, tc.links, tc.all)
		}
	}
}
