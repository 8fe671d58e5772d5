//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
	"github.com/openfiles/openfiles/pkg/render"
)

// rowFromJSON rebuilds lsof's table row, blanks folded, from one JSON
// record, as a cross-check of both outputs.
func rowFromJSON(r *render.JSONFile, esc render.Escaper) string {
	cmd, _ := render.Command(r.Command, 9)
	f := []string{cmd, strconv.Itoa(r.PID)}
	if r.TID != 0 {
		tc, _ := render.Command(r.TaskCmd, 9)
		f = append(f, strconv.Itoa(r.TID), tc)
	}
	fd := r.FD + r.Mode + r.Lock
	if r.Mode == "" && r.Lock != "" {
		fd = r.FD + "-" + r.Lock
	}
	f = append(f, r.User, fd, r.Type, r.Device)
	switch {
	case r.Socket != nil || r.Type == "CHR" || r.Type == "FIFO" || r.Type == "BLK" || r.Type == "sock":
		if r.Offset != nil {
			f = append(f, offsetText(*r.Offset))
		}
	case r.Size != nil:
		f = append(f, strconv.FormatInt(*r.Size, 10))
	}
	name := r.Name
	if r.NameB64 == "" { // else Name is escaped already
		name = esc.String(name)
	}
	f = append(f, r.Node, name)
	return livetest.Fold(strings.TrimRight(strings.Join(f, " "), " "))
}

func checkJSON(t *testing.T, table, js string, esc render.Escaper) {
	t.Helper()
	rows := livetest.Lines(table)
	if len(rows) < 2 {
		t.Fatalf("table has no rows:\n%s", table)
	}
	var got []string
	sc := bufio.NewScanner(strings.NewReader(js))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r render.JSONFile
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("line %q does not decode: %v", sc.Text(), err)
		}
		got = append(got, rowFromJSON(&r, esc))
	}
	if len(got) != len(rows)-1 {
		t.Fatalf("%d JSON lines for %d table rows", len(got), len(rows)-1)
	}
	for i, row := range rows[1:] {
		// Folding blanks also folds away the table's empty columns.
		want := livetest.Fold(strings.TrimRight(row, " "))
		if got[i] != want {
			t.Errorf("row %d:\n table %q\n json  %q", i, want, got[i])
		}
	}
}

// TestJSONMatchesTable decodes every --json line of the fixture's full
// listing and of socket selections, and checks each against the table.
func TestJSONMatchesTable(t *testing.T) {
	for _, args := range [][]string{nil, {"-p", "100"}, {"-n", "-P", "-i"}, {"-U"}} {
		var table, js, stderr bytes.Buffer
		e := fixtureEnv(t, "basic", true)
		if code := run(args, &table, &stderr, e); code != 0 {
			t.Fatalf("lsof %v: exit %d %s", args, code, stderr.String())
		}
		if code := run(append([]string{"--json"}, args...), &js, &stderr, e); code != 0 {
			t.Fatalf("lsof --json %v: exit %d %s", args, code, stderr.String())
		}
		checkJSON(t, table.String(), js.String(), e.esc)
	}
}

// TestLiveJSONMatchesTable does the same on the live holders.
func TestLiveJSONMatchesTable(t *testing.T) {
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	s, _ := livetest.StartSockHolder(t)
	pids := strconv.Itoa(h.PID) + "," + strconv.Itoa(s.PID)
	env := []string{"LC_ALL=C.UTF-8"}
	table := livetest.Run(t, env, ours, "-p", pids)
	js := livetest.Run(t, env, ours, "--json", "-p", pids)
	checkJSON(t, table.Stdout, js.Stdout, render.Escaper{UTF8: true})
}

// offsetText formats a file offset as lsof does by default: 0t and
// decimal up to eight digits, 0x and hexadecimal past them.
func offsetText(off int64) string {
	if s := strconv.FormatInt(off, 10); len(s) <= 8 {
		return "0t" + s
	}
	return "0x" + strconv.FormatInt(off, 16)
}
