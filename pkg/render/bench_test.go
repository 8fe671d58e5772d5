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

// listingEntries makes the rows of a listing like bench/run.sh's
// workload: procs processes of one program, each with its cwd, rtd, txt
// and mem rows, and files descriptors: a file of a shared few at
// offset 0, a pipe of its own, a file of its own.
func listingEntries(procs, files int) []*join.Entry {
	var es []*join.Entry
	for p := range procs {
		proc := &fdscan.Process{PID: 10000 + p, Dir: "x", Command: "workload", UID: 1000}
		add := func(f fdscan.File) { es = append(es, &join.Entry{Process: proc, File: &f, User: "user"}) }
		dir := fdscan.File{Kind: fdscan.KindCWD, FD: -1, Link: "/tmp/workload-2575896818", Type: fdscan.TypeDir,
			Dev: unix.Mkdev(254, 1), Inode: 524289, Size: 4096, NLink: 2}
		add(dir)
		dir.Kind, dir.Link, dir.Inode = fdscan.KindRoot, "/", 2
		add(dir)
		add(fdscan.File{Kind: fdscan.KindText, FD: -1, Link: "/tmp/bb/workload", Type: fdscan.TypeReg,
			Dev: unix.Mkdev(254, 1), Inode: 131090, Size: 2420736, NLink: 1})
		for i := range files {
			f := fdscan.File{Kind: fdscan.KindFD, FD: 3 + i, Mode: fdscan.ModeRead, Type: fdscan.TypeReg,
				Dev: unix.Mkdev(254, 1), HasPos: true, NLink: 1}
			switch i % 3 {
			case 0:
				f.Link, f.Inode, f.Size = fmt.Sprintf("/tmp/workload-2575896818/f%d", i%70), uint64(600000+i%70), 4096
			case 1:
				f.Link, f.Type, f.Inode, f.Dev = fmt.Sprintf("pipe:[%d]", 900000+p*files+i), fdscan.TypeFIFO, uint64(900000+p*files+i), unix.Mkdev(0, 14)
			default:
				f.Link, f.Inode, f.Size = fmt.Sprintf("/tmp/workload-2575896818/p%d/own%d", p, i), uint64(700000+p*files+i), 100
			}
			add(f)
		}
	}
	return es
}

// BenchmarkTableListing adds the rows of a listing of 1000 processes x
// 160 descriptors to a table and writes it: a full listing's work in
// pkg/render, and the table's memory (B/op).
func BenchmarkTableListing(b *testing.B) {
	es := listingEntries(1000, 160)
	b.ReportAllocs()
	for b.Loop() {
		t := NewTable(Escaper{UTF8: true}, TableOptions{})
		for _, e := range es {
			t.Add(e)
		}
		if _, err := t.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
