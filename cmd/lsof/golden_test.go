//go:build linux

package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/golden"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/fdscantest"
	"github.com/openfiles/openfiles/pkg/render"
)

// testdata is the repository's testdata directory.
const testdata = "../../testdata"

func fixtureEnv(t *testing.T, name string, utf8 bool) env {
	t.Helper()
	root := filepath.Join(testdata, "proc", name)
	k, err := fdscantest.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	return env{
		procRoot: root, kernel: k, passwd: root + ".passwd",
		hosts: root + ".hosts", services: root + ".services",
		esc: render.Escaper{UTF8: utf8},
	}
}

// checkGolden runs lsof with args in e, with descriptors read as the
// environment chooses (the fixture's tree, unless $OPENFILES_SOURCE says
// otherwise) and from the fixture's stand-in for the kernel's tables,
// and compares stdout, stderr and the exit status with
// testdata/NAME.golden: a listing does not depend on the source.
func checkGolden(t *testing.T, name string, args []string, e env) {
	t.Helper()
	for _, src := range []fdscan.Source{fdscan.SourceAuto, fdscan.SourceKernel} {
		t.Run(src.String(), func(t *testing.T) {
			e.source = src
			golden.Check(t, filepath.Join(testdata, name+".golden"), fmt.Sprintf("%s %v", "lsof", args), goldenOutput(args, e))
		})
	}
}

// goldenOutput runs lsof with args in e and returns what a golden file
// holds of the run: stdout, stderr and the exit status.
func goldenOutput(args []string, e env) string {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr, e)
	return stdout.String() + "--- stderr\n" + stderr.String() + "--- exit " + strconv.Itoa(code) + "\n"
}

// TestGolden lists the fixture trees and compares stdout, stderr and the
// exit status with testdata/*.golden.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
		utf8   bool
	}{
		{"lsof-basic-full", nil, false},
		{"lsof-basic-full-utf8", nil, true},
		{"lsof-basic-p100", []string{"-p", "100"}, false},
		{"lsof-basic-p1-2", []string{"-p1,2"}, false},
		{"lsof-basic-p102", []string{"-p", "102"}, true},
		{"lsof-basic-p100-nP", []string{"-n", "-P", "-p", "100"}, false},
		{"lsof-basic-size-offset", []string{"--size-offset", "-p", "100"}, false},
		{"lsof-basic-strict", []string{"--strict", "-p", "1,2"}, false},
		{"lsof-basic-zombie", []string{"-p", "101"}, false},
		{"lsof-basic-missing", []string{"-p", "100,4711"}, false},
		{"lsof-usage-bad-pid", []string{"-p", "x1"}, false},
		{"lsof-usage-unsupported", []string{"-m", "x"}, false},
		{"lsof-basic-i", []string{"-i"}, false},
		{"lsof-basic-i-port", []string{"-i", ":http-alt"}, false},
		{"lsof-basic-i6-udp", []string{"-i6UDP"}, false},
		{"lsof-basic-i4-mapped-port", []string{"-i4TCP:8080"}, false},
		{"lsof-basic-i-host", []string{"-n", "-i", "@[::1]:400-50000"}, false},
		{"lsof-basic-U", []string{"-U"}, false},
		{"lsof-basic-listen", []string{"-a", "-p", "100", "-iTCP", "-sTCP:LISTEN"}, false},
		{"lsof-basic-i-missing", []string{"-i", ":9", "-i", ":domain"}, false},
		{"lsof-basic-state-missing", []string{"-i", "-s", "TCP:SYN_SENT"}, false},
		{"lsof-usage-illegal", []string{"-Y"}, false},
		{"lsof-basic-summary", []string{"--summary"}, false},
		// The fixture's mount table (basic/self/mountinfo): +e exempts
		// the file system at /var/cache, whose files are not stat'ed;
		// +m lists the mount points.
		{"lsof-basic-exempt", []string{"+e", "/var/cache", "-a", "-p", "100", "-d", "mem"}, false},
		{"lsof-basic-mounts", []string{"+m"}, false},
		// A name no machine has: looked up in our own process, since no
		// mount of the fixture's table may stall.
		{"lsof-basic-name-missing", []string{"/nonexistent/openfiles-fixture"}, false},
		// Two listings a second apart, each scanning the tree afresh.
		{"lsof-basic-repeat", []string{"-r1c2", "-a", "-p", "100", "-d", "cwd,txt"}, false},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			checkGolden(t, tc.golden, tc.args, fixtureEnv(t, "basic", tc.utf8))
		})
	}
}

// TestGoldenLateStart lists a copy of the basic fixture whose process
// 100 started after the kernel's walks, with tables that say of it what
// another process that had its PID and the same files would have had
// (every size another): the listings are the basic fixture's, from each
// source, since all of 100 is then read from proc. The full listings
// fail where entityAt's guard is removed; -i, -U and the listener show
// no field the stale tables change, so pkg/fdscan's TestKernelLateStart
// is what catches the removal of probed's. The copy's root is named as
// the fixture's in the errors compared.
func TestGoldenLateStart(t *testing.T) {
	fixture := filepath.Join(testdata, "proc", "basic")
	root, err := fdscantest.CopyTree(t.TempDir(), fixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := fdscantest.SetStartTime(root, 100, 1<<40); err != nil {
		t.Fatal(err)
	}
	k, err := fdscantest.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"lsof-basic-full", nil},
		{"lsof-basic-p100", []string{"-p", "100"}},
		{"lsof-basic-i", []string{"-i"}},
		{"lsof-basic-U", []string{"-U"}},
		{"lsof-basic-listen", []string{"-a", "-p", "100", "-iTCP", "-sTCP:LISTEN"}},
	} {
		for _, src := range []fdscan.Source{fdscan.SourceAuto, fdscan.SourceKernel} {
			t.Run(tc.golden+"/"+src.String(), func(t *testing.T) {
				e := fixtureEnv(t, "basic", false)
				e.procRoot, e.kernel, e.source = root, k.Reused(100), src
				e.passwd, e.hosts, e.services = root+".passwd", root+".hosts", root+".services"
				got := strings.ReplaceAll(goldenOutput(tc.args, e), root, fixture)
				golden.Check(t, filepath.Join(testdata, tc.golden+".golden"), fmt.Sprintf("%s %v", "lsof", tc.args), got)
			})
		}
	}
}
