//go:build linux

package render

import (
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"golang.org/x/sys/unix"
)

// lsofDefaultFields is what lsof's -F with no letters selects (cmd/lsof
// passes the same set).
const lsofDefaultFields = "acdDfgGiklKLMnNoPpRsStTu"

// lines joins field lines, each ended by a newline.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// TestFieldWriter checks -F output against lsof 4.95's for the same
// files and field letters (the command line of each case).
func TestFieldWriter(t *testing.T) {
	for _, tc := range []struct {
		cmd     string
		set     string
		mode    SizeOffMode
		digits  int
		numeric bool
		rows    func(t *testing.T) []tableRow
		want    string
	}{
		{
			cmd: "lsof -w -p 17830 -a -d cwd,DEL,mem,0,6,10,16,18,19,20,27,10042 -F",
			set: lsofDefaultFields,
			rows: func(*testing.T) []tableRow {
				return holderRows(cwdFile, delFile, memFile, fifoFile, epollFile, nullFile, pipeFile, deletedFile,
					flockedFile, readlockedFile, pidfdFile, highFile)
			},
			want: lines("p17830", "g17761", "R1", "cholder", "u0", "Lroot",
				"fcwd", "a ", "l ", "tDIR", "D0xfe00", "s4096", "i5310126", "k8", "n/work/wt14r",
				"fDEL", "a ", "l ", "tREG", "D0xfe00", "i9983904", "n/tmp/rt14/h/mapped-deleted",
				"fmem", "a ", "l ", "tREG", "D0xfe00", "s12345", "i9983903", "k1", "n/tmp/rt14/h/mapped",
				"f0", "ar", "l ", "tFIFO", "G0x8000;0x0", "D0xfe00", "o0t0", "i9983883", "k1", "n/tmp/rt14/hin",
				"f6", "au", "l ", "ta_inode", "G0x80002;0x0", "D0x10", "s0", "i1038", "k1", "n[eventpoll:7]",
				"f10", "ar", "l ", "tCHR", "G0x8000;0x0", "D0x6", "o0t0", "i3", "k1", "n/dev/null",
				"f16", "ar", "l ", "tFIFO", "G0x80000;0x0", "D0xf", "o0t0", "i198127", "k1", "npipe",
				"f18", "ar", "l ", "tREG", "G0x88000;0x0", "D0xfe00", "s77", "i9983900", "k0", "n/tmp/rt14/h/deleted (deleted)",
				"f19", "au", "lW", "tREG", "G0x88002;0x0", "D0xfe00", "s12345", "i9983905", "k1", "n/tmp/rt14/h/flocked",
				"f20", "ar", "lr", "tREG", "G0x88000;0x0", "D0xfe00", "s12345", "i9983906", "k1", "n/tmp/rt14/h/readlocked",
				"f27", "au", "l ", "ta_inode", "G0x80002;0x0", "D0x5", "s0", "i82735", "k1", "n[pidfd:17830]",
				"f*042", "au", "l ", "tREG", "G0x88002;0x0", "D0xfe00", "s12345", "i9983896", "k1", "n/tmp/rt14/h/readwrite"),
		},
		{
			cmd: "lsof -w -p 17832 -a -d 5,18,19,20,22,25,26,33,34,36 -F",
			set: lsofDefaultFields,
			rows: func(t *testing.T) []tableRow {
				return sockholderRows(t, sockProc, 5, 18, 19, 20, 22, 25, 26, 33, 34, 36)
			},
			want: lines("p17832", "g17761", "R1", "csockholder", "u0", "Lroot",
				"f5", "au", "l ", "tIPv4", "G0x80802;0x0", "d198957", "o0t0", "PTCP", "nlocalhost:43749", "TST=LISTEN", "TQR=0", "TQS=0",
				"f18", "au", "l ", "tIPv6", "G0x80802;0x0", "d198972", "o0t0", "PTCP", "nlocalhost:41597->localhost:58022",
				"TST=ESTABLISHED", "TQR=0", "TQS=0",
				"f19", "au", "l ", "tIPv4", "G0x80802;0x0", "d198973", "o0t0", "PTCP", "nlocalhost:http-alt", "TST=LISTEN", "TQR=0", "TQS=0",
				// UDP names have no trailing blank here, and no state.
				"f20", "au", "l ", "tIPv4", "G0x80802;0x0", "d198975", "o0t0", "PUDP", "nlocalhost:58306", "TQR=0", "TQS=0",
				"f22", "au", "l ", "tIPv6", "G0x80802;0x0", "d198977", "o0t0", "PUDP", "n[::1]:34692", "TQR=0", "TQS=0",
				"f25", "au", "l ", "tunix", "G0x80802;0x0", "d0x00000000e49b807a", "o0t0", "i198980",
				"n/tmp/rt14/s/stream.sock type=STREAM", "TST=LISTEN",
				"f26", "au", "l ", "tunix", "G0x80802;0x0", "d0x00000000c5205e32", "o0t0", "i198981", "ntype=STREAM", "TST=CONNECTED",
				"f33", "au", "l ", "tnetlink", "G0x80002;0x0", "o0t0", "i198988", "nROUTE",
				"f34", "au", "l ", "traw", "G0x80002;0x0", "o0t0", "i198989", "n00000000:0001->00000000:0000 st=07",
				"f36", "au", "l ", "tpack", "G0x80002;0x0", "d198991", "o0t0", "PALL", "ntype=SOCK_RAW"),
		},
		{
			// -F0: NUL after each field, and a newline after each set.
			cmd:  "lsof -w -p 17830 -a -d 10 -F0",
			set:  lsofDefaultFields + "0",
			rows: func(*testing.T) []tableRow { return holderRows(nullFile) },
			want: "p17830\x00g17761\x00R1\x00cholder\x00u0\x00Lroot\x00\n" +
				"f10\x00ar\x00l \x00tCHR\x00G0x8000;0x0\x00D0x6\x00o0t0\x00i3\x00k1\x00n/dev/null\x00\n",
		},
		{
			cmd:  "lsof -w -p 17832 -a -d 5,25 -F0pcfnTP",
			set:  "0pcfnTP",
			rows: func(t *testing.T) []tableRow { return sockholderRows(t, sockProc, 5, 25) },
			want: "p17832\x00csockholder\x00\n" +
				"f5\x00PTCP\x00nlocalhost:43749\x00TST=LISTEN\x00TQR=0\x00TQS=0\x00\n" +
				"f25\x00n/tmp/rt14/s/stream.sock type=STREAM\x00TST=LISTEN\x00\n",
		},
		{
			// p is always there; f is not implied.
			cmd:  "lsof -w -p 17830 -a -d 33 -F n (C.UTF-8)",
			set:  "n",
			rows: func(*testing.T) []tableRow { return holderRows(nonASCIIFile, newlineFile) },
			want: lines("p17830", "n/tmp/rt14/h/non-ascii-äöü", `n/tmp/rt14/h/with\nnewline`),
		},
		{
			cmd:     "lsof -w -l -p 17830 -a -d 10 -F pugLcf",
			set:     "pugLcf",
			numeric: true,
			rows:    func(*testing.T) []tableRow { return holderRows(nullFile) },
			want:    lines("p17830", "g17761", "cholder", "u0", "f10"),
		},
		{
			cmd:    "lsof -w -p 21507 -a -d 47,50 -F fso (o named: offsets always)",
			set:    "fso",
			mode:   OffsetOnly,
			digits: 8,
			rows:   func(*testing.T) []tableRow { return bigOffsets },
			want:   lines("p21507", "f47", "o0x499602d2", "f50", "o0t12345678"),
		},
		{
			cmd:    "lsof -w -p 21507 -a -d 47,50 -o -o10 -F fo",
			set:    "fo",
			mode:   OffsetOnly,
			digits: 10,
			rows:   func(*testing.T) []tableRow { return bigOffsets },
			want:   lines("p21507", "f47", "o0t1234567890", "f50", "o0t12345678"),
		},
		{
			cmd:  "lsof -p 17830 -F, by an unprivileged user",
			set:  lsofDefaultFields,
			rows: func(*testing.T) []tableRow { return holderRows(deniedCWD, deniedRoot, deniedText, deniedFDs) },
			want: lines("p17830", "g17761", "R1", "cholder", "u0", "Lroot",
				"fcwd", "a ", "l ", "tunknown", "n/proc/17830/cwd (readlink: Permission denied)",
				"frtd", "a ", "l ", "tunknown", "n/proc/17830/root (readlink: Permission denied)",
				"ftxt", "a ", "l ", "tunknown", "n/proc/17830/exe (readlink: Permission denied)",
				"fNOFD", "a ", "l ", "n/proc/17830/fd (opendir: Permission denied)"),
		},
		{
			cmd: "lsof -w -n -P -p 17832 -a -d 19 -F n, and a task with -F pKMfn",
			set: "pKMfn",
			rows: func(t *testing.T) []tableRow {
				task := &fdscan.Process{PID: 17832, TID: 17837, TaskCommand: "sock\tholder", Dir: "17832/task/17837", Command: "sockholder"}
				return append(sockholderRows(t, sockProc, 19), sockholderRows(t, task, 19)...)
			},
			want: lines("p17832", "f19", "nlocalhost:http-alt", "p17832", "K17837", `Msock\tholder`, "f19", "nlocalhost:http-alt"),
		},
	} {
		var out bytes.Buffer
		w := NewFieldWriter(&out, tc.set, Escaper{UTF8: true}, tc.mode, tc.digits, tc.numeric)
		names := fixtureNamer(t)
		for _, r := range tc.rows(t) {
			f := r.f
			if err := w.Write(entryOf(r.p, &f, r.sock, names)); err != nil {
				t.Fatalf("%s: Write: %v", tc.cmd, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatalf("%s: Flush: %v", tc.cmd, err)
		}
		if got := out.String(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
}

// TestFieldMarker: the marker between repeated listings (lsof -r1 -F fn
// and -r1m%s) ends the set, so the next listing names its process again.
func TestFieldMarker(t *testing.T) {
	for _, tc := range []struct {
		desc, set, text, want string
	}{
		{"lsof -r1 -F fn", "fn", "", lines("p17830", "f10", "n/dev/null", "m", "p17830", "f10", "n/dev/null", "m")},
		{"lsof -r1 -F0fn", "0fn", "", "p17830\x00\nf10\x00n/dev/null\x00\nm\x00\np17830\x00\nf10\x00n/dev/null\x00\nm\x00\n"},
		{"lsof -r1m%s -F fn", "fn", "1796226873", lines("p17830", "f10", "n/dev/null", "m1796226873", "p17830", "f10", "n/dev/null", "m1796226873")},
	} {
		var out bytes.Buffer
		w := NewFieldWriter(&out, tc.set, Escaper{}, SizeOffAuto, 8, false)
		for range 2 {
			f := nullFile
			if err := w.Write(entryOf(holderProc, &f, nil, numericNamer())); err != nil {
				t.Fatal(err)
			}
			if err := w.Marker(tc.text); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.desc, got, tc.want)
		}
	}
}

// TestFieldDetails covers fields holder does not show: r for devices,
// s under -s, sizes left out of devices (lsof -F for "sleep 300
// </dev/loop0", shown here under holder's PID), and a stat failure,
// which we could not make lsof show: that case is our own choice.
func TestFieldDetails(t *testing.T) {
	blk := fdscan.File{Kind: fdscan.KindFD, FD: 0, Mode: fdscan.ModeRead, Type: fdscan.TypeBlk, Link: "/dev/loop0",
		Dev: devtmpfs, Rdev: unix.Mkdev(7, 0), Inode: 93, NLink: 1, HasPos: true}
	statFailed := fdscan.File{Kind: fdscan.KindFD, FD: 5, Mode: fdscan.ModeRead, Link: "/mnt/x", Err: &fs.PathError{Op: "stat", Path: "/proc/1/fd/5", Err: errors.New("permission denied")},
		HasFlags: true, Flags: 0o100000}
	for _, tc := range []struct {
		desc string
		set  string
		mode SizeOffMode
		f    fdscan.File
		want string
	}{
		{"lsof -F fDrsoit", "fDrsoit", OffsetOnly, blk, lines("p17830", "f0", "tBLK", "D0x6", "r0x700", "o0t0", "i93")},
		{"lsof -F fDst", "fDst", SizeOffAuto, blk, lines("p17830", "f0", "tBLK", "D0x6")},
		{"lsof -F fso -s", "fso", SizeOnly, blk, lines("p17830", "f0")},
		{"regular file under -s", "fsok", SizeOnly, readwriteFile, lines("p17830", "f9", "s12345", "k1")},
		// The flags are read from fdinfo whatever the stat did: lsof prints
		// G where it read them, as it does when readlink fails.
		{"stat failed", "faGtDsikn", SizeOffAuto, statFailed, lines("p17830", "f5", "a ", "tunknown", "G0x8000;0x0", "n/mnt/x (stat: Permission denied)")},
	} {
		var out bytes.Buffer
		w := NewFieldWriter(&out, tc.set, Escaper{}, tc.mode, 8, false)
		f := tc.f
		if err := w.Write(entryOf(holderProc, &f, nil, numericNamer())); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.desc, got, tc.want)
		}
	}
}
