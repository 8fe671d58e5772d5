//go:build linux

package fdscan

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestKernelUsePaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	swaps := write("swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile                               file\t\t1048572\t\t0\t\t-2\n/dev/vda3 partition 2097148 0 -3\n")
	exports := write("exports", "# Version 1.1\n# Path Client(Flags) # IPs\n/srv/nfs\t*(rw,root_squash)\n/home host(ro)\nnoblank\n")
	for _, tc := range []struct {
		name string
		read func(string) ([]string, error)
		path string
		want []string
	}{
		// The header has tabs and no blank, so psmisc's cut at a blank
		// leaves it out.
		{"swaps", SwapPaths, swaps, []string{"/swapfile", "/dev/vda3"}},
		{"exports", ExportPaths, exports, []string{"/srv/nfs", "/home"}},
	} {
		got, err := tc.read(tc.path)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := SwapPaths(filepath.Join(dir, "missing")); err == nil {
		t.Error("SwapPaths of a missing file: no error")
	}
}
