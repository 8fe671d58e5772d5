//go:build linux

package fdscan

import (
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMapsLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		ok   bool
		want Mapping
	}{
		{"7f1c2a000000-7f1c2a028000 r--p 00000000 fe:00 1002                       /usr/lib/libc.so.6",
			true, Mapping{unix.Mkdev(254, 0), 1002, "/usr/lib/libc.so.6"}},
		{"7f1c2a200000-7f1c2a300000 r--s 00000000 fe:00 1003   /var/cache/old idx (deleted)",
			true, Mapping{unix.Mkdev(254, 0), 1003, "/var/cache/old idx (deleted)"}},
		{"7f1c2a500000-7f1c2a600000 rw-s 00000000 00:01 2048  /memfd:shm (deleted)",
			true, Mapping{unix.Mkdev(0, 1), 2048, "/memfd:shm (deleted)"}},
		{"55d0c1a00000-55d0c1a21000 rw-p 00000000 00:00 0          [heap]", false, Mapping{}},
		{"7ffc1e000000-7ffc1e021000 rw-p 00000000 00:00 0", false, Mapping{}},
		{"garbage", false, Mapping{}},
		{"a-b r--p 0 zz:00 12 /x", false, Mapping{}},
	} {
		got, ok := ParseMapsLine([]byte(tc.line))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParseMapsLine(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseLocks(t *testing.T) {
	locks := parseLocks([]byte(`1: POSIX  ADVISORY  WRITE 2123 fe:00:9977957 0 EOF
2: POSIX  ADVISORY  READ 2123 fe:00:9977956 10 109
3: FLOCK  ADVISORY  WRITE 2123 fe:00:9977955 0 EOF
4: FLOCK  ADVISORY  READ 77 08:01:12 0 EOF
5: OFDLCK ADVISORY  WRITE -1 fe:00:1 0 EOF
6: -> POSIX ADVISORY WRITE 99 fe:00:9977957 0 EOF
7: POSIX  ADVISORY  WRITE 5 fe:00:40 5 EOF
`))
	dev := unix.Mkdev(254, 0)
	for _, tc := range []struct {
		k    lockKey
		want byte
	}{
		{lockKey{2123, dev, 9977957}, 'W'},
		{lockKey{2123, dev, 9977956}, 'r'},
		{lockKey{2123, dev, 9977955}, 'W'},
		{lockKey{77, unix.Mkdev(8, 1), 12}, 'R'},
		{lockKey{5, dev, 40}, 'w'},
		{lockKey{99, dev, 9977957}, 0},
		{lockKey{-1, dev, 1}, 0},
	} {
		if got := locks[tc.k]; got != tc.want {
			t.Errorf("lock of %+v = %q, want %q", tc.k, got, tc.want)
		}
	}
	if len(locks) != 5 {
		t.Errorf("parsed %d locks, want 5: %v", len(locks), locks)
	}
}

func TestParseFdinfo(t *testing.T) {
	var f File
	parseFdinfo([]byte("pos:\t4321\nflags:\t02100002\nmnt_id:\t17\nino:\t1038\neventfd-count:  0\neventfd-id: 3\n"+
		"tfd:        7 events:       19 data:  5be1b8  pos:0 ino:40e sdev:10\ntfd:       12 events: 19\nPid:\t2123\n"), &f)
	if !f.HasPos || f.Pos != 4321 || f.Flags != 0o2100002 || f.MntID != 17 || f.EventfdID != 3 || f.PidfdPID != 2123 ||
		!slices.Equal(f.EpollTFDs, []int{7, 12}) {
		t.Errorf("parseFdinfo = %+v", f)
	}
	// A pty master's fdinfo names its slave.
	ptmx := File{TTYIndex: -1}
	parseFdinfo([]byte("pos:\t0\nflags:\t0100002\nmnt_id:\t24\nino:\t90\ntty-index:\t7\n"), &ptmx)
	if ptmx.TTYIndex != 7 {
		t.Errorf("parseFdinfo of a pty master: TTYIndex %d, want 7", ptmx.TTYIndex)
	}
}

func TestModeOf(t *testing.T) {
	for flags, want := range map[uint32]Mode{
		0o100000: ModeRead, 0o2000001: ModeWrite, 0o2: ModeReadWrite,
		0o2102001: ModeWrite, 0o10000000: ModeReadWrite,
	} {
		if got := modeOf(flags); got != want {
			t.Errorf("modeOf(%o) = %c, want %c", flags, got, want)
		}
	}
}

func TestAppendDirentNumbers(t *testing.T) {
	var buf []byte
	for _, name := range []string{".", "..", "0", "17", "x1", "10001"} {
		reclen := (19 + len(name) + 1 + 7) &^ 7
		rec := make([]byte, reclen)
		rec[16], rec[17] = byte(reclen), byte(reclen>>8)
		copy(rec[19:], name)
		buf = append(buf, rec...)
	}
	if got := appendDirentNumbers(nil, buf); !slices.Equal(got, []int{0, 17, 10001}) {
		t.Errorf("appendDirentNumbers = %v, want [0 17 10001]", got)
	}
}

// TestMapFilesName: map_files names a mapping by its addresses in hex
// without the zeros the maps pad them with.
func TestMapFilesName(t *testing.T) {
	for rng, want := range map[string]string{
		"00400000-00452000":                 "400000-452000",
		"7f1c2a000000-7f1c2a028000":         "7f1c2a000000-7f1c2a028000",
		"00000000-00001000":                 "0-1000",
		"ffffffffff600000-ffffffffff601000": "ffffffffff600000-ffffffffff601000",
	} {
		if got := mapFilesName([]byte(rng)); got != want {
			t.Errorf("mapFilesName(%q) = %q, want %q", rng, got, want)
		}
	}
}
