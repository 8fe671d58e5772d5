//go:build linux

package render

import (
	"fmt"
	"io"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"golang.org/x/sys/unix"
)

var benchProc = &fdscan.Process{PID: 1234, Dir: "1234", Command: "server", UID: 0}

var benchFile = fdscan.File{
	Kind: fdscan.KindFD, FD: 7, Link: "/var/lib/server/data.db", Type: fdscan.TypeReg,
	Mode: fdscan.ModeReadWrite, Dev: unix.Mkdev(254, 0), Inode: 123456, Size: 1 << 20, NLink: 1,
	HasPos: true, Pos: 4096, Flags: 0o100002,
}

// benchEntry is benchFile as the join stage hands it on, named.
var benchEntry = &join.Entry{Process: benchProc, File: &benchFile, User: "root"}

// BenchmarkTableRow adds one row to a table, the work per open file of a
// listing; the table is written out every 4096 rows.
func BenchmarkTableRow(b *testing.B) {
	t := NewTable(Escaper{UTF8: true}, TableOptions{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		t.Add(benchEntry)
		if i++; i%4096 == 0 {
			if _, err := t.WriteTo(io.Discard); err != nil {
				b.Fatal(err)
			}
			t.Reset()
		}
	}
}

func BenchmarkFieldRow(b *testing.B) {
	w := NewFieldWriter(io.Discard, "acdDfgGiklKLMnNoPpRsStTu", Escaper{UTF8: true}, SizeOffAuto, 8, false)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(benchEntry); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONRow(b *testing.B) {
	w := NewJSONWriter(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(benchEntry); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEscapeName escapes a name with nothing to escape, as most are,
// and one with an escape at its end.
func BenchmarkEscapeName(b *testing.B) {
	e := Escaper{UTF8: true}
	buf := make([]byte, 0, 128)
	for _, name := range []string{"/usr/lib/x86_64-linux-gnu/libc.so.6", "/tmp/workload-1/file-17\n"} {
		b.Run(fmt.Sprintf("%q", name[len(name)-3:]), func(b *testing.B) {
			for b.Loop() {
				buf = e.Append(buf[:0], name)
			}
		})
	}
}
