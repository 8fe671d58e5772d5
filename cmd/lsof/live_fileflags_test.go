//go:build linux

package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
)

// TestLiveFileFlags lists files opened with many open flags with +f g
// and +f G, alone and with -F in either order, and requires lsof's
// FILE-FLAG column and G fields.
func TestLiveFileFlags(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	dir := t.TempDir()
	flags, _ := livetest.Start(t, livetest.Build(t, "./internal/holder"), dir, nil, "-flags", dir)
	all := livetest.StartHolder(t)
	for _, h := range []*livetest.Holder{flags, all} {
		pid := strconv.Itoa(h.PID)
		for _, args := range [][]string{
			{"+fg"}, {"+fG"}, {"+f", "g"}, {"+fgG"}, {"+fGg"}, {"-fg"}, {"+fg", "-fG"},
			{"-F", "fG", "+fg"}, {"+fg", "-F", "fG"}, {"-F", "fG", "-fg"}, {"-F", "fG", "+fG"},
			{"-F", "+fg"}, {"-F0", "+fg"}, {"-F", "fn", "+fg"}, {"+fg", "-a", "-d", "3-9"},
		} {
			out := compare(t, ours, ref, append(args, "-p", pid)...).Stdout
			if !strings.Contains(out, pid) {
				t.Errorf("lsof %v -p %s lists nothing of the holder:\n%s", args, pid, out)
			}
		}
	}
	// The names compared include those of every flag the holder sets.
	out := livetest.Run(t, nil, ours, "+fg", "-p", strconv.Itoa(flags.PID)).Stdout
	for _, want := range []string{"FILE-FLAG", " W,AP,LG,CX ", " RW,SYN,LG ", " ND,LG ", " RW,ASYN,LG,CX ", " NATM,LG ", " NFLK,LG ", " CX,PATH ", " NFLK,PATH ", " DTY,LG,CX ", " RW,DTY,LG,CX,TMPF "} {
		if !strings.Contains(out, want) {
			t.Errorf("lsof +fg of the flags holder has no %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"+fc"}, {"+fx"}, {"-fgx"}, {"+fn"}, {"+f", "/"}} {
		compareUsage(t, ours, ref, args...)
	}
}

// TestLiveFileSystemNames gives names with +f (only file systems) and -f
// (only files): a mount point, a plain directory, a file and a missing
// name, and requires lsof's listing, messages and exit status.
func TestLiveFileSystemNames(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	pid := strconv.Itoa(h.PID)
	file := filepath.Join(h.Dir, "readonly")
	for _, names := range [][]string{{"/"}, {h.Dir}, {file}, {file, "/"}, {filepath.Join(h.Dir, "missing")}} {
		for _, f := range [][]string{{"+f", "--"}, {"-f", "--"}, {"-Q", "+f", "--"}, {"-V", "+f", "--"}, {"-f", "-V", "--"}} {
			args := append(append([]string{"-a", "-p", pid}, f...), names...)
			compare(t, ours, ref, args...)
		}
	}
	// +f / lists every file of the holder on the root file system, -f /
	// only its root directory: the two compared listings differ.
	whole := livetest.Run(t, nil, ours, "-a", "-p", pid, "+f", "--", "/").Stdout
	only := livetest.Run(t, nil, ours, "-a", "-p", pid, "-f", "--", "/").Stdout
	if len(livetest.Lines(only)) != 2 || len(livetest.Lines(whole)) <= 2 {
		t.Errorf("lsof -f / lists %d lines, +f / %d; want 2 (header and rtd), and more:\n%s\n%s",
			len(livetest.Lines(only)), len(livetest.Lines(whole)), only, whole)
	}
}
