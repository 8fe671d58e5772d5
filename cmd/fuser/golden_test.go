//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/golden"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/fdscantest"
	"github.com/openfiles/openfiles/pkg/pathlookup"
)

// testdata is the repository's testdata directory.
const testdata = "../../testdata"

// fixtureEnv runs fuser on the basic fixture tree, with names resolved
// in testdata/proc/fuser-basic.names (see fixtureNames) and the
// fixture's process 100 as the owner of our own socket tables.
func fixtureEnv(t *testing.T, stdin string) env {
	t.Helper()
	root := filepath.Join(testdata, "proc", "basic")
	k, err := fdscantest.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	return env{
		procRoot: root, netDir: filepath.Join(root, "100", "net"),
		mounts: filepath.Join(testdata, "proc", "fuser-basic.mountinfo"),
		swaps:  filepath.Join(root, "no-swaps"), exports: filepath.Join(root, "no-exports"),
		passwd: root + ".passwd", services: root + ".services",
		argv0: "fuser", stdin: strings.NewReader(stdin),
		lookup: fixtureNames(t, nil), kernel: k,
		netDev: unix.Mkdev(0, 8), netNS: 4026531840,
	}
}

// TestGolden runs fuser on the fixture tree and compares stdout, stderr
// and the exit status with testdata/fuser-*.golden.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"fuser-basic-cwd", []string{"/srv"}},
		{"fuser-basic-relative", []string{"."}},
		{"fuser-basic-v", []string{"-v", "/srv", "/usr/bin/server", "/usr/lib/libc.so.6", "/var/log/server.log", "/data/locked.db"}},
		{"fuser-basic-u", []string{"-u", "/srv", "/"}},
		{"fuser-basic-root-v", []string{"-v", "/"}},
		{"fuser-basic-m-dir", []string{"-m", "-v", "/srv"}},
		{"fuser-basic-m-block", []string{"-vm", "/dev/vda"}},
		{"fuser-basic-M", []string{"-M", "-v", "/", "/srv", "/nonexistent//"}},
		{"fuser-basic-port", []string{"-v", "8080/tcp"}},
		{"fuser-basic-port-remote", []string{"8080,127.0.0.1,40001/tcp", "-n", "tcp", ",,40000"}},
		{"fuser-basic-missing", []string{"/nonexistent", "/secret"}},
		{"fuser-basic-all", []string{"-a", "/nonexistent", "/tmp", "/srv"}},
		{"fuser-basic-all-v", []string{"-av", "/nonexistent", "/tmp", "/srv"}},
		{"fuser-basic-silent", []string{"-s", "/srv"}},
		{"fuser-basic-cwd-other", []string{"/tmp"}},
		{"fuser-basic-nothing", []string{"/dev/vda"}},
		{"fuser-usage-none", nil},
		{"fuser-usage-invalid", []string{"-x", "/srv"}},
		{"fuser-usage-long", []string{"--bogus"}},
		{"fuser-usage-silent-all", []string{"-s", "-a", "/srv"}},
		{"fuser-usage-4-6", []string{"-46", "/srv"}},
		{"fuser-usage-namespace", []string{"-n", "sctp", "80"}},
		{"fuser-usage-mount-port", []string{"-m", "80/tcp"}},
		{"fuser-signal-unknown", []string{"-k", "-SIGFOO", "/srv"}},
		{"fuser-bad-port", []string{"nosuchservice/tcp", "0x50/udp"}},
		{"fuser-list", []string{"-l"}},
		{"fuser-help", []string{"--help"}},
		// Our own options. -k stops before the scan when it would widen,
		// and --dry-run signals nothing, so no PID of the fixture can be
		// signalled on this machine.
		{"fuser-basic-json", []string{"--json", "/srv", "/usr/bin/server", "/usr/lib/libc.so.6", "/nonexistent", "8080/tcp", "-k", "--dry-run"}},
		{"fuser-basic-json-m", []string{"--json", "-m", "/srv", "/"}},
		{"fuser-basic-widen-refused", []string{"-k", "-m", "/srv", "/"}},
		{"fuser-basic-widen-dry-run", []string{"-k", "-m", "--widen", "--dry-run", "-TERM", "/srv"}},
		{"fuser-basic-dry-run", []string{"--dry-run", "-v", "-k", "-w", "-HUP", "/var/log/server.log", "/srv"}},
		{"fuser-version", []string{"-V"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			checkGolden(t, tc.golden, tc.args, fixtureEnv(t, ""))
		})
	}
}

// TestGoldenKernelUses: what the kernel itself holds, a swap file and an
// NFS export (testdata/proc/fuser-basic.swaps and .exports, in the forms
// of /proc/swaps and /proc/fs/nfs/exports), is named as psmisc names it.
func TestGoldenKernelUses(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"fuser-basic-kernel-m", []string{"-v", "-m", "/srv"}},
		{"fuser-basic-kernel-swap", []string{"-v", "/srv/swapfile", "/srv"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			e := fixtureEnv(t, "")
			e.swaps = filepath.Join(testdata, "proc", "fuser-basic.swaps")
			e.exports = filepath.Join(testdata, "proc", "fuser-basic.exports")
			checkGolden(t, tc.golden, tc.args, e)
		})
	}
}

// TestGoldenBindMount: -k -m on a bind mount of a directory
// (testdata/proc/fuser-bind.mountinfo: /srv bound on /mnt/bind) is
// refused, naming the file system, where it is mounted whole and how
// many processes -m would signal; with --widen the plan lists them. Both
// are dry runs: no fixture PID is ever signalled on this machine.
func TestGoldenBindMount(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"fuser-bind-refused", []string{"-k", "--dry-run", "-m", "/mnt/bind"}},
		{"fuser-bind-widen", []string{"-k", "--dry-run", "--widen", "-m", "/mnt/bind"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			e := fixtureEnv(t, "")
			e.mounts = filepath.Join(testdata, "proc", "fuser-bind.mountinfo")
			e.lookup = fixtureNames(t, map[string]uint64{"/": 21, "/mnt/bind": 24})
			checkGolden(t, tc.golden, tc.args, e)
		})
	}
}

// fixtureNames looks names up in testdata/proc/fuser-basic.names, from
// the working directory /srv, with mountRoots the paths that are mount
// points and their mount IDs.
func fixtureNames(t *testing.T, mountRoots map[string]uint64) *pathlookup.Lookup {
	t.Helper()
	names, err := fdscantest.LoadStatTable(filepath.Join(testdata, "proc", "fuser-basic.names"))
	if err != nil {
		t.Fatal(err)
	}
	return &pathlookup.Lookup{FS: names.Names("/srv", mountRoots)}
}

// checkGolden runs fuser with args in e, with descriptors read as the
// environment chooses (the fixture's tree, unless $OPENFILES_SOURCE says
// otherwise) and from the fixture's stand-in for the kernel's tables,
// filtered by fuser's search, and compares stdout, stderr and the exit
// status with testdata/NAME.golden.
func checkGolden(t *testing.T, name string, args []string, e env) {
	t.Helper()
	for _, src := range []fdscan.Source{fdscan.SourceAuto, fdscan.SourceKernel} {
		t.Run(src.String(), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e.source = src
			if r, ok := e.stdin.(*strings.Reader); ok {
				// -i reads its answers afresh in each run.
				_, _ = r.Seek(0, io.SeekStart)
			}
			code := run(args, &stdout, &stderr, e)
			got := stdout.String() + "\n--- stderr\n" + stderr.String() + "--- exit " + strconv.Itoa(code) + "\n"
			golden.Check(t, filepath.Join(testdata, name+".golden"), fmt.Sprintf("%s %v", "fuser", args), got)
		})
	}
}
