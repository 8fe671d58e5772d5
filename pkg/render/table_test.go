//go:build linux

package render

import (
	"bytes"
	"errors"
	"golang.org/x/sys/unix"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// tableRow is one row to add: a file of a process, and its socket.
type tableRow struct {
	p     *fdscan.Process
	f     fdscan.File
	sock  *netsock.Socket
	proto string // the protocol of a socket no table has
}

// entry is the row as the join stage hands it on, named through n.
func (r *tableRow) entry(n *netsock.Namer) *join.Entry {
	e := entryOf(r.p, &r.f, r.sock, n)
	e.Protocol = r.proto
	return e
}

func holderRows(files ...fdscan.File) []tableRow {
	rows := make([]tableRow, len(files))
	for i, f := range files {
		rows[i] = tableRow{p: holderProc, f: f}
	}
	return rows
}

func sockholderRows(t *testing.T, p *fdscan.Process, fds ...int) []tableRow {
	var rows []tableRow
	for _, fd := range fds {
		s := sockholderSocket(t, fd)
		rows = append(rows, tableRow{p: p, f: sockFile(fd, s.Inode), sock: s})
	}
	return rows
}

// bigOffsets are epholder's two descriptors of one empty file, at
// offsets of ten and eight decimal digits.
var bigOffsets = func() []tableRow {
	p := &fdscan.Process{PID: 21507, Dir: "21507", Command: "epholder"}
	f := fdFile(47, fdscan.ModeReadWrite, fdscan.TypeReg, "/tmp/rt14/ep/big")
	f.Dev, f.Inode, f.Pos = rootDev, 9980163, 1234567890
	g := f
	g.FD, g.Pos = 50, 12345678
	return []tableRow{{p: p, f: f}, {p: p, f: g}}
}()

// TestTable checks whole listings, widths and all, against what lsof
// 4.95 printed for the same files with the same options (the command
// line of each case).
func TestTable(t *testing.T) {
	sockTasks := []*fdscan.Process{
		sockProc,
		{PID: 17832, TID: 17837, TaskCommand: "sockholder", Dir: "17832/task/17837", PPID: 1, PGID: 17761, Command: "sockholder"},
		{PID: 17832, TID: 17838, TaskCommand: "sockholder", Dir: "17832/task/17838", PPID: 1, PGID: 17761, Command: "sockholder"},
	}
	var taskRows []tableRow
	for _, p := range sockTasks {
		taskRows = append(taskRows, sockholderRows(t, p, 5)...)
	}
	utf8 := Escaper{UTF8: true}
	for _, tc := range []struct {
		cmd  string
		esc  Escaper
		opts TableOptions
		rows []tableRow
		want string
	}{
		{
			cmd: "lsof -w -p 17830 -a -d cwd,txt,DEL,mem,0,6,7,10,12,14,16,18,19,20,23,24,27,28,31,33,10042",
			esc: utf8,
			rows: holderRows(cwdFile, txtFile, delFile, memFile, fifoFile, epollFile, eventfdFile, nullFile, dirFile,
				zeroFile, pipeFile, deletedFile, flockedFile, readlockedFile, idleEpollFile, inotifyFile, pidfdFile,
				memfdFile, newlineFile, nonASCIIFile, highFile),
			want: `
COMMAND   PID USER   FD      TYPE DEVICE SIZE/OFF    NODE NAME
holder  17830 root  cwd       DIR  254,0     4096 5310126 /work/wt14r
holder  17830 root  txt       REG  254,0  2654217 9983887 /tmp/rt14/holder
holder  17830 root  DEL       REG  254,0          9983904 /tmp/rt14/h/mapped-deleted
holder  17830 root  mem       REG  254,0    12345 9983903 /tmp/rt14/h/mapped
holder  17830 root    0r     FIFO  254,0      0t0 9983883 /tmp/rt14/hin
holder  17830 root    6u  a_inode   0,16        0    1038 [eventpoll:7]
holder  17830 root    7u  a_inode   0,16        0    1038 [eventfd:1]
holder  17830 root   10r      CHR    1,3      0t0       3 /dev/null
holder  17830 root   12r      DIR  254,0     4096 9983881 /tmp/rt14/h
holder  17830 root   14u      CHR    1,5      0t0       4 /dev/zero
holder  17830 root   16r     FIFO   0,15      0t0  198127 pipe
holder  17830 root   18r      REG  254,0       77 9983900 /tmp/rt14/h/deleted (deleted)
holder  17830 root   19uW     REG  254,0    12345 9983905 /tmp/rt14/h/flocked
holder  17830 root   20rr     REG  254,0    12345 9983906 /tmp/rt14/h/readlocked
holder  17830 root   23u  a_inode   0,16        0    1038 [eventpoll]
holder  17830 root   24r  a_inode   0,16        0    1038 inotify
holder  17830 root   27u  a_inode    0,5        0   82735 [pidfd:17830]
holder  17830 root   28u      REG    0,1       99      53 /memfd:holder-memfd (deleted)
holder  17830 root   31r      REG  254,0        5 9983909 /tmp/rt14/h/with\nnewline
holder  17830 root   33r      REG  254,0        5 9983911 /tmp/rt14/h/non-ascii-äöü
holder  17830 root *042u      REG  254,0    12345 9983896 /tmp/rt14/h/readwrite
`,
		},
		{
			cmd:  "LC_ALL=C lsof -w -p 17830 -a -d 33",
			rows: holderRows(nonASCIIFile),
			want: `
COMMAND   PID USER   FD   TYPE DEVICE SIZE/OFF    NODE NAME
holder  17830 root   33r   REG  254,0        5 9983911 /tmp/rt14/h/non-ascii-\xc3\xa4\xc3\xb6\xc3\xbc
`,
		},
		{
			cmd:  "lsof -w -p 17830 -a -d cwd,DEL,mem,9,10,18 +L -R -g -l",
			esc:  utf8,
			opts: TableOptions{PPID: true, PGID: true, NLink: true, NumericUsers: true},
			rows: holderRows(cwdFile, delFile, memFile, readwriteFile, nullFile, deletedFile),
			want: `
COMMAND   PID PPID  PGID     USER   FD   TYPE DEVICE SIZE/OFF NLINK    NODE NAME
holder  17830    1 17761        0  cwd    DIR  254,0     4096     8 5310126 /work/wt14r
holder  17830    1 17761        0  DEL    REG  254,0                9983904 /tmp/rt14/h/mapped-deleted
holder  17830    1 17761        0  mem    REG  254,0    12345     1 9983903 /tmp/rt14/h/mapped
holder  17830    1 17761        0    9u   REG  254,0    12345     1 9983896 /tmp/rt14/h/readwrite
holder  17830    1 17761        0   10r   CHR    1,3      0t0     1       3 /dev/null
holder  17830    1 17761        0   18r   REG  254,0       77     0 9983900 /tmp/rt14/h/deleted (deleted)
`,
		},
		{
			cmd:  "lsof -w -p 17830 -a -d cwd,DEL,mem,9,10,18 -o",
			esc:  utf8,
			opts: TableOptions{SizeOff: OffsetOnly},
			rows: holderRows(cwdFile, delFile, memFile, readwriteFile, nullFile, deletedFile),
			want: `
COMMAND   PID USER   FD   TYPE DEVICE OFFSET    NODE NAME
holder  17830 root  cwd    DIR  254,0        5310126 /work/wt14r
holder  17830 root  DEL    REG  254,0        9983904 /tmp/rt14/h/mapped-deleted
holder  17830 root  mem    REG  254,0        9983903 /tmp/rt14/h/mapped
holder  17830 root    9u   REG  254,0 0t4321 9983896 /tmp/rt14/h/readwrite
holder  17830 root   10r   CHR    1,3    0t0       3 /dev/null
holder  17830 root   18r   REG  254,0    0t0 9983900 /tmp/rt14/h/deleted (deleted)
`,
		},
		{
			cmd:  "lsof -w -p 17830 -a -d cwd,DEL,mem,9,10,18 -s",
			esc:  utf8,
			opts: TableOptions{SizeOff: SizeOnly},
			rows: holderRows(cwdFile, delFile, memFile, readwriteFile, nullFile, deletedFile),
			want: `
COMMAND   PID USER   FD   TYPE DEVICE  SIZE    NODE NAME
holder  17830 root  cwd    DIR  254,0  4096 5310126 /work/wt14r
holder  17830 root  DEL    REG  254,0       9983904 /tmp/rt14/h/mapped-deleted
holder  17830 root  mem    REG  254,0 12345 9983903 /tmp/rt14/h/mapped
holder  17830 root    9u   REG  254,0 12345 9983896 /tmp/rt14/h/readwrite
holder  17830 root   10r   CHR    1,3             3 /dev/null
holder  17830 root   18r   REG  254,0    77 9983900 /tmp/rt14/h/deleted (deleted)
`,
		},
		{
			cmd:  "lsof -w -p 21507 -a -d 47,50 -o",
			opts: TableOptions{SizeOff: OffsetOnly},
			rows: bigOffsets,
			want: `
COMMAND    PID USER   FD   TYPE DEVICE     OFFSET    NODE NAME
epholder 21507 root   47u   REG  254,0 0x499602d2 9980163 /tmp/rt14/ep/big
epholder 21507 root   50u   REG  254,0 0t12345678 9980163 /tmp/rt14/ep/big
`,
		},
		{
			cmd:  "lsof -w -p 21507 -a -d 47,50 -o -o10",
			opts: TableOptions{SizeOff: OffsetOnly, OffsetDigits: 10},
			rows: bigOffsets,
			want: `
COMMAND    PID USER   FD   TYPE DEVICE       OFFSET    NODE NAME
epholder 21507 root   47u   REG  254,0 0t1234567890 9980163 /tmp/rt14/ep/big
epholder 21507 root   50u   REG  254,0   0t12345678 9980163 /tmp/rt14/ep/big
`,
		},
		{
			cmd:  "lsof -w -p 21507 -a -d 47,50 -o -o0 (-o0: never hexadecimal, which the caller passes as -1)",
			opts: TableOptions{SizeOff: OffsetOnly, OffsetDigits: -1},
			rows: bigOffsets,
			want: `
COMMAND    PID USER   FD   TYPE DEVICE       OFFSET    NODE NAME
epholder 21507 root   47u   REG  254,0 0t1234567890 9980163 /tmp/rt14/ep/big
epholder 21507 root   50u   REG  254,0   0t12345678 9980163 /tmp/rt14/ep/big
`,
		},
		{
			cmd: "lsof -w -p 17832 -a -d 5,6,11,12,13,15,18,19,20,21,22,24,25,26,28,29,30,33,34,35,36",
			esc: utf8,
			rows: sockholderRows(t, sockProc, 5, 6, 11, 12, 13, 15, 18, 19, 20, 21, 22, 24, 25, 26, 28, 29, 30,
				33, 34, 35, 36),
			want: `
COMMAND     PID USER   FD      TYPE             DEVICE SIZE/OFF   NODE NAME
sockholde 17832 root    5u     IPv4             198957      0t0    TCP localhost:43749 (LISTEN)
sockholde 17832 root    6u     IPv4             198959      0t0    TCP localhost:51394->localhost:43749 (ESTABLISHED)
sockholde 17832 root   11u     IPv4             198961      0t0    TCP *:38839 (LISTEN)
sockholde 17832 root   12u     IPv6             198963      0t0    TCP [::1]:37999 (LISTEN)
sockholde 17832 root   13u     IPv6             198965      0t0    TCP [::1]:35794->[::1]:37999 (ESTABLISHED)
sockholde 17832 root   15u     IPv6             198967      0t0    TCP *:34527 (LISTEN)
sockholde 17832 root   18u     IPv6             198972      0t0    TCP localhost:41597->localhost:58022 (ESTABLISHED)
sockholde 17832 root   19u     IPv4             198973      0t0    TCP localhost:http-alt (LISTEN)
sockholde 17832 root   20u     IPv4             198975      0t0    UDP localhost:58306 
sockholde 17832 root   21u     IPv4             198976      0t0    UDP localhost:57978->localhost:58306 
sockholde 17832 root   22u     IPv6             198977      0t0    UDP [::1]:34692 
sockholde 17832 root   24u     IPv4             198979      0t0    UDP *:34413 
sockholde 17832 root   25u     unix 0x00000000e49b807a      0t0 198980 /tmp/rt14/s/stream.sock type=STREAM (LISTEN)
sockholde 17832 root   26u     unix 0x00000000c5205e32      0t0 198981 type=STREAM (CONNECTED)
sockholde 17832 root   28u     unix 0x00000000d2108f9f      0t0 198983 /tmp/rt14/s/dgram.sock type=DGRAM (UNCONNECTED)
sockholde 17832 root   29u     unix 0x00000000988ac7a5      0t0 198984 /tmp/rt14/s/seqpacket.sock type=SEQPACKET (LISTEN)
sockholde 17832 root   30u     unix 0x00000000b43d3c83      0t0 198985 @sockholder-17832 type=STREAM (LISTEN)
sockholde 17832 root   33u  netlink                         0t0 198988 ROUTE
sockholde 17832 root   34u      raw                         0t0 198989 00000000:0001->00000000:0000 st=07
sockholde 17832 root   35u     raw6                         0t0 198990 00000000000000000000000000000000:003A->00000000000000000000000000000000:0000 st=07
sockholde 17832 root   36u     pack             198991      0t0    ALL type=SOCK_RAW
`,
		},
		{
			cmd:  "lsof -w -R -g +L -l +c 15 -p 17832 -a -d cwd,5,25,33,36",
			esc:  utf8,
			opts: TableOptions{PPID: true, PGID: true, NLink: true, NumericUsers: true, CommandWidth: 15},
			rows: append([]tableRow{{p: sockProc, f: cwdFile}}, sockholderRows(t, sockProc, 5, 25, 33, 36)...),
			want: `
COMMAND      PID PPID  PGID     USER   FD      TYPE             DEVICE SIZE/OFF NLINK    NODE NAME
sockholder 17832    1 17761        0  cwd       DIR              254,0     4096     8 5310126 /work/wt14r
sockholder 17832    1 17761        0    5u     IPv4             198957      0t0           TCP localhost:43749 (LISTEN)
sockholder 17832    1 17761        0   25u     unix 0x00000000e49b807a      0t0        198980 /tmp/rt14/s/stream.sock type=STREAM (LISTEN)
sockholder 17832    1 17761        0   33u  netlink                         0t0        198988 ROUTE
sockholder 17832    1 17761        0   36u     pack             198991      0t0           ALL type=SOCK_RAW
`,
		},
		{
			cmd:  "lsof -w -p 17832 -a -d 5,25 -s",
			esc:  utf8,
			opts: TableOptions{SizeOff: SizeOnly},
			rows: sockholderRows(t, sockProc, 5, 25),
			want: `
COMMAND     PID USER   FD   TYPE             DEVICE SIZE   NODE NAME
sockholde 17832 root    5u  IPv4             198957         TCP localhost:43749 (LISTEN)
sockholde 17832 root   25u  unix 0x00000000e49b807a      198980 /tmp/rt14/s/stream.sock type=STREAM (LISTEN)
`,
		},
		{
			cmd:  "lsof -w -K -a -p 17832 -a -d 5 (the first three rows)",
			esc:  utf8,
			rows: taskRows,
			want: `
COMMAND     PID   TID TASKCMD   USER   FD   TYPE DEVICE SIZE/OFF NODE NAME
sockholde 17832                 root    5u  IPv4 198957      0t0  TCP localhost:43749 (LISTEN)
sockholde 17832 17837 sockholde root    5u  IPv4 198957      0t0  TCP localhost:43749 (LISTEN)
sockholde 17832 17838 sockholde root    5u  IPv4 198957      0t0  TCP localhost:43749 (LISTEN)
`,
		},
		{
			cmd:  "lsof -p 17830, by an unprivileged user",
			esc:  utf8,
			rows: holderRows(deniedCWD, deniedRoot, deniedText, deniedFDs),
			want: `
COMMAND   PID USER   FD      TYPE DEVICE SIZE/OFF NODE NAME
holder  17830 root  cwd   unknown                      /proc/17830/cwd (readlink: Permission denied)
holder  17830 root  rtd   unknown                      /proc/17830/root (readlink: Permission denied)
holder  17830 root  txt   unknown                      /proc/17830/exe (readlink: Permission denied)
holder  17830 root NOFD                                /proc/17830/fd (opendir: Permission denied)
`,
		},
		{
			cmd: "lsof -p 1 -p 2 (the first rows of each)",
			esc: utf8,
			rows: []tableRow{
				{p: &fdscan.Process{PID: 1, Dir: "1", Command: "process_agent"}, f: failedFile(fdscan.KindCWD, -1, "readlink", "/proc/1/cwd", unix.EACCES)},
				{p: &fdscan.Process{PID: 1, Dir: "1", Command: "process_agent"}, f: deniedFD},
				{p: &fdscan.Process{PID: 2, Dir: "2", Command: "kthreadd"}, f: kernelText},
			},
			want: `
COMMAND   PID USER   FD      TYPE DEVICE SIZE/OFF NODE NAME
process_a   1 root  cwd   unknown                      /proc/1/cwd (readlink: Permission denied)
process_a   1 root    3   unknown                      /proc/1/fd/3 (readlink: Permission denied)
kthreadd    2 root  txt   unknown                      /proc/2/exe
`,
		},
	} {
		tab := NewTable(tc.esc, tc.opts)
		names := fixtureNamer(t)
		for _, r := range tc.rows {
			tab.Add(r.entry(names))
		}
		if tab.Len() != len(tc.rows) {
			t.Errorf("%s: Len = %d after %d rows", tc.cmd, tab.Len(), len(tc.rows))
		}
		var out bytes.Buffer
		n, err := tab.WriteTo(&out)
		if err != nil {
			t.Errorf("%s: WriteTo: %v", tc.cmd, err)
		}
		want := strings.TrimPrefix(tc.want, "\n")
		if got := out.String(); got != want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", tc.cmd, got, want)
		}
		if n != int64(out.Len()) {
			t.Errorf("%s: WriteTo reported %d bytes, wrote %d", tc.cmd, n, out.Len())
		}
	}
}

// TestTableUsers: a user with no login name shows as a number, in a
// column at least eight wide, as lsof shows it.
func TestTableUsers(t *testing.T) {
	p := &fdscan.Process{PID: 300, Dir: "300", UID: 1000, Command: "sleep"}
	q := &fdscan.Process{PID: 301, Dir: "301", UID: 0, Command: "sleep"}
	tab := NewTable(Escaper{}, TableOptions{})
	f := cwdFile
	tab.Add(entryOf(p, &f, nil, numericNamer()))
	tab.Add(entryOf(q, &f, nil, numericNamer()))
	var out bytes.Buffer
	if _, err := tab.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"COMMAND PID     USER   FD   TYPE DEVICE SIZE/OFF    NODE NAME\n" +
		"sleep   300     1000  cwd    DIR  254,0     4096 5310126 /work/wt14r\n" +
		"sleep   301     root  cwd    DIR  254,0     4096 5310126 /work/wt14r\n"
	if got := out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestTableSizeAndOffset covers --size-offset, beyond lsof: a SIZE and
// an OFFSET column both.
func TestTableSizeAndOffset(t *testing.T) {
	tab := NewTable(Escaper{}, TableOptions{SizeOff: SizeAndOffset})
	for _, f := range []fdscan.File{cwdFile, readwriteFile, nullFile, delFile, failedFile(fdscan.KindFD, 3, "readlink", "/proc/17830/fd/3", unix.EACCES)} {
		tab.Add(entryOf(holderProc, &f, nil, numericNamer()))
	}
	var out bytes.Buffer
	if _, err := tab.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"COMMAND   PID USER   FD      TYPE DEVICE  SIZE OFFSET    NODE NAME\n" +
		"holder  17830 root  cwd       DIR  254,0  4096        5310126 /work/wt14r\n" +
		"holder  17830 root    9u      REG  254,0 12345 0t4321 9983896 /tmp/rt14/h/readwrite\n" +
		"holder  17830 root   10r      CHR    1,3          0t0       3 /dev/null\n" +
		"holder  17830 root  DEL       REG  254,0              9983904 /tmp/rt14/h/mapped-deleted\n" +
		"holder  17830 root    3   unknown                             /proc/17830/fd/3 (readlink: Permission denied)\n"
	if got := out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestTableResetAndEmpty: an empty table writes nothing, not even the
// header (lsof prints nothing when nothing matched); Reset starts a new
// listing whose widths owe nothing to the last one.
func TestTableResetAndEmpty(t *testing.T) {
	tab := NewTable(Escaper{}, TableOptions{})
	var out bytes.Buffer
	if n, err := tab.WriteTo(&out); n != 0 || err != nil || out.Len() != 0 {
		t.Fatalf("empty table: wrote %d bytes %q, err %v; want nothing", n, out.String(), err)
	}
	wide := sockFile(25, 198980)
	tab.Add(entryOf(sockProc, &wide, sockholderSocket(t, 25), numericNamer()))
	tab.Reset()
	if tab.Len() != 0 {
		t.Errorf("Len after Reset = %d, want 0", tab.Len())
	}
	f := nullFile
	tab.Add(entryOf(holderProc, &f, nil, numericNamer()))
	if _, err := tab.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"COMMAND   PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n" +
		"holder  17830 root   10r   CHR    1,3      0t0    3 /dev/null\n"
	if got := out.String(); got != want {
		t.Errorf("after Reset:\n got:\n%s\nwant:\n%s", got, want)
	}
}

// TestTableManyRows fills more than one chunk of the row store, with
// rows unique and repeated, and checks that every row comes out, in
// order.
func TestTableManyRows(t *testing.T) {
	tab := NewTable(Escaper{}, TableOptions{})
	long := "/" + strings.Repeat("x", 200)
	n := 3*chunkSize/len(long) + 17
	var procs [4]fdscan.Process
	for i := range procs {
		procs[i] = fdscan.Process{PID: 100 + i, Dir: "x", Command: "many"}
	}
	nameOf := func(i int) string {
		if i%3 == 0 {
			return long // a name shared by many rows
		}
		return long + strconv.Itoa(i)
	}
	for i := range n {
		f := fdscan.File{Kind: fdscan.KindFD, FD: i % 7, Mode: fdscan.ModeRead, Type: fdscan.TypeReg,
			Link: nameOf(i), Dev: rootDev, Inode: uint64(i % 5000), NLink: 1}
		tab.Add(entryOf(&procs[i*len(procs)/n], &f, nil, numericNamer()))
	}
	if len(tab.rows.chunks) < 3 {
		t.Errorf("%d rows in %d chunks, want them over 3", n, len(tab.rows.chunks))
	}
	var out bytes.Buffer
	if _, err := tab.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != n+1 {
		t.Fatalf("%d lines, want %d rows and a header", len(lines), n)
	}
	for i := range n {
		fields := strings.Fields(lines[i+1])
		p := &procs[i*len(procs)/n]
		if fields[1] != strconv.Itoa(p.PID) || fields[3] != strconv.Itoa(i%7)+"r" || fields[7] != strconv.Itoa(i%5000) || fields[8] != nameOf(i) {
			t.Fatalf("row %d = %q, want PID %d, FD %dr, NODE %d and name %q", i, lines[i+1], p.PID, i%7, i%5000, nameOf(i))
		}
	}
}

type failingWriter struct{ after int }

var errFull = errors.New("device full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after < len(p) {
		n := w.after
		w.after = 0
		return n, errFull
	}
	w.after -= len(p)
	return len(p), nil
}

// TestTableWriteError: a failing writer's error comes back, with the
// count of what it took.
func TestTableWriteError(t *testing.T) {
	tab := NewTable(Escaper{}, TableOptions{})
	for i := range 2000 { // more than the 64 KiB the writer buffers
		f := fdscan.File{Kind: fdscan.KindFD, FD: i, Type: fdscan.TypeReg, Link: "/some/file/of/a/good/length", Dev: rootDev}
		tab.Add(entryOf(holderProc, &f, nil, numericNamer()))
	}
	w := &failingWriter{after: 1000}
	n, err := tab.WriteTo(w)
	if !errors.Is(err, errFull) {
		t.Errorf("WriteTo error = %v, want %v", err, errFull)
	}
	if n != 1000 {
		t.Errorf("WriteTo reported %d bytes, want the 1000 the writer took", n)
	}
}
