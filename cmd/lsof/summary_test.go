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

// summarySection returns the lines of the summary's section whose title
// starts with title, up to the blank line ending it; the title first.
func summarySection(out, title string) []string {
	var sec []string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case sec == nil && strings.HasPrefix(l, title):
			sec = []string{l}
		case sec != nil && l == "":
			return sec
		case sec != nil:
			sec = append(sec, l)
		}
	}
	return sec
}

// cellRE finds the cells of a summary line: words separated by single
// blanks, cells by two or more.
var cellRE = regexp.MustCompile(`\S+(?: \S+)*`)

// summaryRow returns the cells of the row of section sec whose first
// cell is key, by the header above them: a cell belongs to the header
// it overlaps (numbers are right-aligned under theirs, text left), and
// a blank cell is missing.
func summaryRow(t *testing.T, sec []string, key string) map[string]string {
	t.Helper()
	if len(sec) < 2 {
		t.Fatalf("section %q has no header", sec)
	}
	header := sec[1]
	heads := cellRE.FindAllStringIndex(header, -1)
	for _, l := range sec[2:] {
		cells := cellRE.FindAllStringIndex(l, -1)
		if len(cells) == 0 || l[cells[0][0]:cells[0][1]] != key {
			continue
		}
		row := map[string]string{}
		for _, c := range cells {
			for _, h := range heads {
				if c[0] < h[1] && h[0] < c[1] {
					row[header[h[0]:h[1]]] = l[c[0]:c[1]]
				}
			}
		}
		return row
	}
	t.Fatalf("no row %s in:\n%s", key, strings.Join(sec, "\n"))
	return nil
}

// TestLiveSummary starts processes holding deleted files of known sizes
// (one file held by two processes and twice by one of them) and a
// listener, and checks what --summary adds up for them.
func TestLiveSummary(t *testing.T) {
	ours := livetest.Build(t, "./cmd/lsof")
	dir := t.TempDir()
	const sizeA, sizeB = 3<<20 + 17, 4099
	for name, size := range map[string]int{"a": sizeA, "b": sizeB} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The first holds a twice and b, with a limit of 777 descriptors,
	// then both files are removed; the second holds a only.
	sh := "/bin/sh"
	first, _ := livetest.Start(t, sh, dir, nil, "-c", "ulimit -n 777; exec 3<a 4<a 5<b; echo ready; read x")
	second, _ := livetest.Start(t, sh, dir, nil, "-c", "exec 3<a; echo ready; read x")
	for _, name := range []string{"a", "b"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	listener, ports := livetest.Start(t, livetest.Build(t, "./internal/sockholder"), dir, nil, "-listen")

	pids := strconv.Itoa(first.PID) + "," + strconv.Itoa(second.PID) + "," + strconv.Itoa(listener.PID)
	r := livetest.Run(t, nil, ours, "--summary", "-p", pids)
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("lsof --summary -p %s: want status 0 and no message, got %d, %q", pids, r.Code, r.Stderr)
	}
	out := r.Stdout

	// Descriptors: each process's row counts its descriptors, as
	// /proc/PID/fd lists them, beside its limit.
	fds := summarySection(out, "Open descriptors by process")
	for _, h := range []*livetest.Holder{first, second} {
		ents, err := os.ReadDir("/proc/" + strconv.Itoa(h.PID) + "/fd")
		if err != nil {
			t.Fatal(err)
		}
		reg := 0
		for _, e := range ents {
			if st, err := os.Stat("/proc/" + strconv.Itoa(h.PID) + "/fd/" + e.Name()); err == nil && st.Mode().IsRegular() {
				reg++
			}
		}
		row := summaryRow(t, fds, strconv.Itoa(h.PID))
		if row["FDS"] != strconv.Itoa(len(ents)) || row["REG"] != strconv.Itoa(reg) {
			t.Errorf("descriptors of %d: want FDS %d, REG %d, as /proc/PID/fd has them, got %q\n%s", h.PID, len(ents), reg, row, out)
		}
	}
	if row := summaryRow(t, fds, strconv.Itoa(first.PID)); row["LIMIT"] != "777" {
		t.Errorf("limit of %d: want 777 (ulimit -n), got %q", first.PID, row["LIMIT"])
	}

	// Deleted files: a counts once however often it is held.
	total := strconv.Itoa(sizeA + sizeB)
	del := summarySection(out, "Deleted files still open:")
	if len(del) == 0 || !strings.Contains(del[0], "2 files") || !strings.Contains(del[0], "("+total+" bytes)") {
		t.Fatalf("deleted files: want 2 files, %s bytes, got %q\n%s", total, del, out)
	}
	if len(del) != 3 {
		t.Fatalf("deleted by file system: want one row, got %q", del)
	}
	if row := summaryRow(t, del, strings.Fields(del[2])[0]); row["FILES"] != "2" || row["BYTES"] != total || row["SIZE"] != "3.0 MiB" {
		t.Errorf("deleted by file system: want 2 files, 3.0 MiB, %s bytes, got %q", total, row)
	}
	byProc := summarySection(out, "Deleted files still open, by process")
	if row := summaryRow(t, byProc, strconv.Itoa(first.PID)); row["FILES"] != "2" || row["BYTES"] != total || row["LARGEST"] != filepath.Join(dir, "a") {
		t.Errorf("deleted files of %d: want 2 files, %s bytes, largest %s/a, got %q", first.PID, total, dir, row)
	}
	if row := summaryRow(t, byProc, strconv.Itoa(second.PID)); row["FILES"] != "1" || row["BYTES"] != strconv.Itoa(sizeA) {
		t.Errorf("deleted files of %d: want 1 file, %d bytes, got %q", second.PID, sizeA, row)
	}

	// Listeners: the sockholder's one TCP port.
	ls := summarySection(out, "Listening sockets")
	if row := summaryRow(t, ls, strconv.Itoa(listener.PID)); row["PROTO"] != "TCP" || row["ADDRESS"] != "*:"+ports["listen"] {
		t.Errorf("listener %d: want TCP *:%s, got %q\n%s", listener.PID, ports["listen"], row, out)
	}
	if len(ls) != 3 {
		t.Errorf("listening sockets: want the one of %d, got %q", listener.PID, ls)
	}
}

func TestSummaryArgs(t *testing.T) {
	tests := []struct {
		args []string
		top  int
		err  string
	}{
		{[]string{"--summary"}, defaultSummaryTop, ""},
		{[]string{"--summary=3", "-p", "1"}, 3, ""},
		{[]string{"--summary=0"}, 0, ""},
		{[]string{"--summary=x"}, 0, "--summary= not followed by a number of processes: x"},
		{[]string{"--summary", "-t"}, 0, "--summary and -F, -t or --json are mutually exclusive"},
		{[]string{"--json", "--summary"}, 0, "--summary and -F, -t or --json are mutually exclusive"},
	}
	for _, tt := range tests {
		o, err := parseArgs(tt.args, env{})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.err || err == nil && (!o.summary || o.summaryTop != tt.top) {
			t.Errorf("parseArgs(%q): want summary top %d, error %q; got %v %d, %q", tt.args, tt.top, tt.err, o.summary, o.summaryTop, got)
		}
	}
}
