//go:build linux

package render

import (
	"bytes"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/netsock"
)

func TestWriteReport(t *testing.T) {
	var b bytes.Buffer
	WriteReport(&b, []Column{{"PID", true}, {"EMPTY", true}, {"NAME", false}, {"N", true}},
		[][]string{{"1", "", "init", "12345"}, {"23456", "", "x", ""}})
	want := "   PID  NAME      N\n" +
		"     1  init  12345\n" +
		" 23456  x\n"
	if got := b.String(); got != want {
		t.Errorf("WriteReport: want\n%q\ngot\n%q", want, got)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3<<20 + 17: "3.0 MiB", 5 << 40: "5.0 TiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d): want %q, got %q", n, want, got)
		}
	}
}

// TestSummary adds hand-built entries: the limit each process's scan
// read (known, unlimited, not read), a deleted file held through two
// descriptors and mapped (counted once), a TCP listener and a socket
// the join stage named by protocol alone.
func TestSummary(t *testing.T) {
	web := &fdscan.Process{PID: 10, Command: "web", UID: 0, FDLimit: 200}
	db := &fdscan.Process{PID: 20, Command: "db", UID: 4242, FDLimit: fdscan.Unlimited}
	odd := &fdscan.Process{PID: 30, Command: "odd\x1b", UID: 0}
	task := &fdscan.Process{PID: 10, TID: 11, Command: "web"}
	deleted := fdscan.File{Kind: fdscan.KindFD, FD: 3, Type: fdscan.TypeReg, Link: "/var/log/old (deleted)", Dev: rootDev, Inode: 7, Size: 3 << 20}
	again := deleted
	again.FD = 4
	mapped := deleted
	mapped.Kind, mapped.FD = fdscan.KindMem, -1
	listenSock := &netsock.Socket{Proto: netsock.ProtoTCP, Local: ap("0.0.0.0:8080"), State: 10}
	s := NewSummary(Escaper{}, nil)
	for _, e := range []*join.Entry{
		{Process: web, File: &deleted, User: "root"},
		{Process: web, File: &again, User: "root"},
		{Process: web, File: &mapped, User: "root"},
		{Process: web, File: ptr(sockFile(5, 99)), Socket: listenSock, User: "root"},
		{Process: task, File: ptr(nullFile)}, // a task's: not counted
		{Process: db, File: ptr(nullFile)},
		{Process: db, File: ptr(sockFile(6, 98)), Protocol: "UNIX-STREAM"},
		{Process: odd, File: ptr(nullFile), User: "root"},
	} {
		s.Add(e)
	}
	if n := s.Processes(); n != 3 {
		t.Errorf("Processes = %d, want 3", n)
	}
	var b bytes.Buffer
	if _, err := s.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"Open descriptors by process: 6 descriptors in 3 processes\n" +
		" PID  COMMAND  USER  FDS      LIMIT  USE  REG  DEV  INET  UNIX\n" +
		"  10  web      root    3        200   1%    2          1\n" +
		"  20  db       4242    2  unlimited              1           1\n" +
		"  30  odd^[    root    1                         1\n" +
		"\n" +
		"Deleted files still open: 1 file, 3.0 MiB (3145728 bytes)\n" +
		" FILE SYSTEM    DEVICE  FILES     SIZE    BYTES\n" +
		" (not mounted)  254,0       1  3.0 MiB  3145728\n" +
		"\n" +
		"Deleted files still open, by process\n" +
		" PID  COMMAND  USER  FILES     SIZE    BYTES  LARGEST\n" +
		"  10  web      root      1  3.0 MiB  3145728  /var/log/old\n" +
		"\n" +
		"Listening sockets: 1 socket\n" +
		" PID  COMMAND  USER  PROTO  ADDRESS\n" +
		"  10  web      root  TCP    *:8080\n"
	if got := b.String(); got != want {
		t.Errorf("summary:\n got:\n%s\nwant:\n%s", got, want)
	}
}

func ptr[T any](v T) *T { return &v }
