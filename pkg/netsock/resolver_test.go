//go:build linux

package netsock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestTablesAt reads a namespace's tables from a net directory once,
// tells of each table file that could not be read, and keeps nothing of
// a namespace none of whose tables could be, so that the next caller
// reads it.
func TestTablesAt(t *testing.T) {
	r := NewResolver("../../testdata/proc/basic")
	r.Protos = []Proto{ProtoTCP, ProtoUDP}
	missing := filepath.Join(t.TempDir(), "missing")
	tb, err := r.TablesAt(1, fixtureNet)
	if err != nil || tb.Files != 4 || tb.Err("tcp") != nil {
		t.Fatalf("TablesAt(1, %s): %d files, %v, tcp: %v; want 4 files", fixtureNet, tb.Files, err, tb.Err("tcp"))
	}
	if _, ok := tb.Lookup(6000); !ok {
		t.Errorf("TablesAt(1, %s) has no socket 6000", fixtureNet)
	}
	if again, err := r.TablesAt(1, missing); again != tb || err != nil {
		t.Errorf("TablesAt(1) again: %p, %v; want the tables read first, %p", again, err, tb)
	}
	if ns, files := r.Counts(); ns != 1 || files != 4 {
		t.Errorf("Counts() = %d, %d; want 1 namespace, 4 files", ns, files)
	}

	tb, err = r.TablesAt(2, missing)
	if !errors.Is(err, os.ErrNotExist) || !errors.Is(tb.Err("tcp"), os.ErrNotExist) || !errors.Is(tb.Err("udp6"), os.ErrNotExist) || tb.Err("unix") != nil {
		t.Errorf("TablesAt(2, missing): %v, tcp %v, udp6 %v, unix %v; want ENOENT for each asked for, nil for unix",
			err, tb.Err("tcp"), tb.Err("udp6"), tb.Err("unix"))
	}
	if tb, err := r.TablesAt(2, fixtureNet); err != nil || tb.Files != 4 {
		t.Errorf("TablesAt(2) after a failure: %v; want it read", err)
	}

	// One table missing: the others are read, and Err names it.
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(fixtureNet, "udp"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "udp"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	tb, err = r.TablesAt(3, dir)
	if err != nil || tb.Files != 1 || !errors.Is(tb.Err("tcp"), os.ErrNotExist) || tb.Err("udp") != nil {
		t.Errorf("TablesAt(3) of udp alone: %v, %d files, tcp %v, udp %v; want 1 file and tcp missing", err, tb.Files, tb.Err("tcp"), tb.Err("udp"))
	}
}

// TestEachNamespace walks the namespaces of processes 10 to 14 once
// each: namespace 1 from 11, since 10's tables cannot be read; 2 from
// 12; neither namespace 3, the one excepted, nor 14, whose namespace
// cannot be told.
func TestEachNamespace(t *testing.T) {
	root := t.TempDir()
	abs, err := filepath.Abs(fixtureNet)
	if err != nil {
		t.Fatal(err)
	}
	for _, pid := range []string{"11", "12", "13"} {
		if err := os.MkdirAll(filepath.Join(root, pid), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(root, pid, "net")); err != nil {
			t.Fatal(err)
		}
	}
	netns := map[int]uint64{10: 1, 11: 1, 12: 2, 13: 3}
	netnsOf := func(pid int) (uint64, error) {
		if ns, ok := netns[pid]; ok {
			return ns, nil
		}
		return 0, os.ErrNotExist
	}
	r := NewResolver(root)
	r.Protos = []Proto{ProtoTCP}
	calls := 0
	r.EachNamespace([]int{10, 11, 12, 13, 14, 11, 12}, netnsOf, 3, func(tb *Tables) {
		if _, ok := tb.Lookup(6000); !ok {
			t.Errorf("tables handed over without socket 6000")
		}
		calls++
	})
	if calls != 2 {
		t.Errorf("fn called %d times, want 2 (namespaces 1 and 2)", calls)
	}
	if ns, _ := r.Counts(); ns != 2 {
		t.Errorf("namespaces read: %d, want 2", ns)
	}
}
