//go:build linux

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
)

// exemptMount is a file system every Linux machine mounts, where a test
// may make files, to give to -e.
const exemptMount = "/dev/shm"

// TestLiveExempt lists a holder whose files and program are on a file
// system given to -e or +e, and requires lsof's rows for them: UNKN
// types, UNKNOWN devices, no sizes, the note in NAME; and the rest as
// always.
//
// After a process's first exempt file (its working directory, program
// or a descriptor) lsof 4.95 shows 64, the size of a /proc fd link, as
// the offset of its later descriptors: that bug we do not copy, and
// compareExempt allows it.
func TestLiveExempt(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	dir, err := os.MkdirTemp(exemptMount, "lsof-exempt-")
	if err != nil {
		t.Fatalf("a directory on %s is needed: %v", exemptMount, err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	holder := livetest.Build(t, "./internal/holder")
	files := filepath.Join(dir, "files")
	if err := os.Mkdir(files, 0o755); err != nil {
		t.Fatal(err)
	}
	h, _ := livetest.Start(t, holder, t.TempDir(), nil, files)
	pid := strconv.Itoa(h.PID)
	for _, args := range [][]string{
		{"-e", exemptMount}, {"+e", exemptMount}, {"-e", exemptMount + "//"}, {"-e", "/", "-e", exemptMount},
		{"-e", exemptMount, "-e", "/"}, {"+e", exemptMount, "-e", exemptMount}, {"-e", exemptMount, "-o"},
		{"-e", exemptMount, "+L"}, {"-e", exemptMount, "+L1"}, {"-e", exemptMount, "-F", "pfatdDinlksocn"}, {"-e", exemptMount, "-F", "pfatdDinlkscn"},
	} {
		out := compareExempt(t, ours, ref, append(args, "-a", "-p", pid)...)
		if !strings.Contains(out, pid) {
			t.Errorf("lsof %v lists nothing of the holder:\n%s", args, out)
		}
	}
	// A name on the exempt file system is never found: no stat, no match.
	compare(t, ours, ref, "-e", exemptMount, "-a", "-p", pid, "--", filepath.Join(files, "readonly"))
	out := livetest.Run(t, nil, ours, "-p", pid, "-e", exemptMount).Stdout
	for _, want := range []string{
		" UNKNfd UNKNOWN ", " UNKNmem ", " UNKNdel ",
		filepath.Join(files, "readonly") + " (-e " + exemptMount + ")",
		filepath.Join(files, "deleted") + " (deleted) (-e " + exemptMount + ")",
	} {
		if !strings.Contains(livetest.Fold(out), livetest.Fold(want)) {
			t.Errorf("lsof -e %s has no %q:\n%s", exemptMount, want, out)
		}
	}

	// Its program and working directory there: the rows that show no
	// offset.
	bin := filepath.Join(dir, "holder")
	b, err := os.ReadFile(holder)
	if err == nil {
		err = os.WriteFile(bin, b, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	cwd := filepath.Join(dir, "cwd")
	if err := os.Mkdir(cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	in, _ := livetest.Start(t, bin, cwd, nil, cwd)
	out = compareExempt(t, ours, ref, "-a", "-p", strconv.Itoa(in.PID), "-e", exemptMount)
	for _, want := range []string{" cwd UNKNcwd UNKNOWN " + cwd + " (-e " + exemptMount + ")", " txt UNKNtxt UNKNOWN " + bin} {
		if !strings.Contains(livetest.Fold(out), livetest.Fold(want)) {
			t.Errorf("lsof -e %s has no %q:\n%s", exemptMount, want, out)
		}
	}
	for _, args := range [][]string{{"-e"}, {"-e", "rel"}, {"+e", "rel"}, {"-e", files}, {"-e", "-p"}} {
		compareUsage(t, ours, ref, args...)
	}
}

// lsofOffset64 is the offset lsof 4.95 shows for a descriptor after an
// exempt file, and offset any offset: a table column or a -F field.
var (
	lsofOffset64 = regexp.MustCompile(`^o?0t64$`)
	offset       = regexp.MustCompile(`^o?0t[0-9]+$`)
)

// compareExempt is compare, but where lsof's listing shows the offset
// 0t64 after an exempt row of the process, ours may show the real
// offset there; so may it on an exempt descriptor's own row, where lsof
// 4.95 shows another descriptor's. Each line must have the same fields
// but that one.
//
// In -F output, the offset field of an exempt descriptor is the line
// after its d field of UNKNOWN.
func compareExempt(t *testing.T, ours, ref string, args ...string) string {
	t.Helper()
	env := []string{"LC_ALL=C.UTF-8"}
	want := livetest.Run(t, env, ref, args...)
	got := livetest.Run(t, env, ours, args...)
	if got.Code != want.Code || got.Stderr != want.Stderr {
		t.Errorf("lsof %v: exit %d, stderr %q; lsof's %d, %q", args, got.Code, got.Stderr, want.Code, want.Stderr)
	}
	gl, wl := strings.Split(got.Stdout, "\n"), strings.Split(want.Stdout, "\n")
	if len(gl) != len(wl) {
		t.Errorf("lsof %v: %d lines, lsof's %d:\n%s\nlsof's:\n%s", args, len(gl), len(wl), got.Stdout, want.Stdout)
		return got.Stdout
	}
	exempt, allowed := false, 0
	for i := range gl {
		row := strings.Contains(wl[i], "UNKN") || i > 0 && wl[i-1] == "dUNKNOWN"
		if strings.HasPrefix(wl[i], "p") && !strings.Contains(wl[i], " ") {
			exempt = false // a process set of -F output
		}
		if gl[i] != wl[i] {
			gf, wf := strings.Fields(gl[i]), strings.Fields(wl[i])
			same := (exempt || row) && len(gf) == len(wf)
			for j := 0; same && j < len(gf); j++ {
				same = gf[j] == wf[j] || offset.MatchString(gf[j]) && offset.MatchString(wf[j]) &&
					(row || lsofOffset64.MatchString(wf[j])) && gf[j][0] == wf[j][0]
			}
			if !same {
				t.Errorf("lsof %v: line %d\n%s\nlsof's:\n%s", args, i+1, gl[i], wl[i])
			}
			allowed++
		}
		exempt = exempt || strings.Contains(wl[i], "UNKN")
	}
	t.Logf("lsof %v: %d lines with lsof's offset 64 allowed", args, allowed)
	return got.Stdout
}
