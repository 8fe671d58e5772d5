//go:build linux

package rawread

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestReadFile reads a file larger than several reads and than the
// first buffer, whole.
func TestReadFile(t *testing.T) {
	want := bytes.Repeat([]byte("0123456789abcdef\n"), 3*MaxRead/17+1000)
	path := filepath.Join(t.TempDir(), "table")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadFile = %d bytes, %v; want %d bytes", len(got), err, len(want))
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
}

// TestRead bounds a read to MaxRead and ends with io.EOF; a read that
// fails names the file.
func TestRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, MaxRead+10), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 2*MaxRead)
	for _, want := range []int{MaxRead, 10} {
		if n, err := r.Read(b); n != want || err != nil {
			t.Fatalf("Read = %d, %v; want %d", n, err, want)
		}
	}
	if n, err := r.Read(b); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end = %d, %v", n, err)
	}
	f.Close()
	if _, err := New(f); err == nil {
		t.Error("New of a closed file succeeded")
	}
	// A directory cannot be read: the error names it.
	dir := t.TempDir()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if r, err = New(d); err != nil {
		t.Fatal(err)
	}
	var pe *os.PathError
	if _, err := r.Read(b); !errors.As(err, &pe) || pe.Path != dir || !errors.Is(err, unix.EISDIR) {
		t.Errorf("Read of a directory: %v", err)
	}
}
