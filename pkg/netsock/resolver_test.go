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
