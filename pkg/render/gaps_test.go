//go:build linux

package render

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

func TestGapsReport(t *testing.T) {
	denied := failedFile(fdscan.KindFD, 3, "stat", "/proc/1/fd/3", unix.EACCES)
	blind := failedFile(fdscan.KindNoFD, -1, "opendir", "/proc/1/fd", unix.EACCES)
	unlooked := failedFile(fdscan.KindMem, -1, "stat", "/lib/x.so", fdscan.ErrNotLookedUp)
	loop := failedFile(fdscan.KindFD, 3, "stat", "/proc/1/fd/3", unix.ELOOP)
	gone := failedFile(fdscan.KindFD, 3, "stat", "/proc/1/fd/3", unix.ENOENT)
	type note struct {
		pid int
		f   fdscan.File
	}
	for _, tc := range []struct {
		name   string
		notes  []note
		root   bool
		others bool
		want   []string
	}{
		{"nothing", []note{{1, gone}}, false, true, nil},
		{"denied", []note{{1, denied}, {1, denied}}, false, false,
			[]string{"p: 1 process not fully inspected: permission denied; run as root to see them"}},
		{"denied to root", []note{{1, denied}, {2, denied}}, true, false,
			[]string{"p: 2 processes not fully inspected: permission denied even to root (a security module or user namespace refuses access)"}},
		{"no descriptors", []note{{1, blind}, {2, denied}, {3, blind}}, false, false,
			[]string{"p: 3 processes not fully inspected (2 with no descriptors listed): permission denied; run as root to see them"}},
		{"mapped files", []note{{4, unlooked}}, false, false,
			[]string{"p: 1 process not fully inspected: mapped files on a file system that may not answer were not stat'ed; run as root to see them"}},
		{"mapped files as root", []note{{4, unlooked}, {1, denied}}, true, false, []string{
			"p: 1 process not fully inspected: permission denied even to root (a security module or user namespace refuses access)",
			"p: 1 process not fully inspected: mapped files on a file system that may not answer were not stat'ed (their map_files links could not be read)",
		}},
		{"other errors counted", []note{{5, loop}, {6, loop}}, false, true,
			[]string{"p: 2 processes not fully inspected: Too many levels of symbolic links"}},
		{"other errors left to the listing", []note{{5, loop}}, false, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &Gaps{Others: tc.others}
			for _, n := range tc.notes {
				g.Note(n.pid, &n.f)
			}
			var b strings.Builder
			g.Report(&b, "p", tc.root)
			want := ""
			for _, l := range tc.want {
				want += l + "\n"
			}
			if b.String() != want || g.Any() != (want != "") {
				t.Errorf("report %q, Any %v; want %q", b.String(), g.Any(), want)
			}
		})
	}
}
