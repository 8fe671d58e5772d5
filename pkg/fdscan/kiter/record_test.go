//go:build linux

package kiter

import (
	"encoding/binary"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestRecordLayout checks decode's offsets against the layout bpf2go
// read from the program's BTF: a field moved in kiter.c without decode
// following it fails here, not as wrong numbers in a listing.
func TestRecordLayout(t *testing.T) {
	var k kiterRecord
	offsets := []struct {
		name      string
		got, want uintptr
	}{
		{"ino", unsafe.Offsetof(k.Ino), 0},
		{"size", unsafe.Offsetof(k.Size), 8},
		{"pos", unsafe.Offsetof(k.Pos), 16},
		{"pid", unsafe.Offsetof(k.Pid), 24},
		{"fd", unsafe.Offsetof(k.Fd), 28},
		{"dev", unsafe.Offsetof(k.Dev), 32},
		{"rdev", unsafe.Offsetof(k.Rdev), 36},
		{"flags", unsafe.Offsetof(k.Flags), 40},
		{"nlink", unsafe.Offsetof(k.Nlink), 44},
		{"mnt_id", unsafe.Offsetof(k.MntId), 48},
		{"mode", unsafe.Offsetof(k.Mode), 52},
		{"path_len", unsafe.Offsetof(k.PathLen), 54},
		{"path_err", unsafe.Offsetof(k.PathErr), 56},
		{"name_kind", unsafe.Offsetof(k.NameKind), 58},
		{"name_id", unsafe.Offsetof(k.NameId), 60},
		{"tid", unsafe.Offsetof(k.Tid), 64},
	}
	for _, o := range offsets {
		if o.got != o.want {
			t.Errorf("struct record field %s at offset %d, decode reads it at %d", o.name, o.got, o.want)
		}
	}
	if recordSize != 72 {
		t.Errorf("struct record is %d bytes, decode expects 72", recordSize)
	}
}

func TestDecode(t *testing.T) {
	b := make([]byte, recordSize)
	e := binary.NativeEndian
	e.PutUint64(b[0:], 123456789012)
	e.PutUint64(b[8:], 1<<40)
	e.PutUint64(b[16:], 4321)
	e.PutUint32(b[24:], 4242)
	e.PutUint32(b[28:], 10042)
	e.PutUint32(b[32:], 259<<20|3) // 259:3
	e.PutUint32(b[36:], 1<<20|3)   // 1:3, /dev/null
	e.PutUint32(b[40:], 02100002)  // O_RDWR|O_APPEND|O_CLOEXEC... as given
	e.PutUint32(b[44:], 2)
	e.PutUint32(b[48:], 0xffffffff) // -1
	e.PutUint16(b[52:], 0o100644)
	e.PutUint16(b[54:], 17)
	e.PutUint16(b[56:], uint16(0xffff-uint16(syscall.ENAMETOOLONG)+1))
	e.PutUint16(b[58:], nameSame)
	e.PutUint32(b[60:], 70000)
	e.PutUint32(b[64:], 4343)
	var r Record
	var nm name
	n := decode(b, &r, &nm)
	want := Record{
		PID: 4242, TID: 4343, FD: 10042, Dev: unix.Mkdev(259, 3), Ino: 123456789012,
		Rdev: unix.Mkdev(1, 3), Mode: 0o100644, Nlink: 2, Size: 1 << 40, Pos: 4321,
		Flags: 02100002, MountID: -1, PathErr: syscall.ENAMETOOLONG,
	}
	if r != want || n != 17 {
		t.Errorf("decode = %+v, path length %d\nwant %+v, path length 17", r, n, want)
	}
	if nm != (name{nameSame, 70000}) {
		t.Errorf("decode's name = %+v, want {kind:%d id:70000}", nm, nameSame)
	}
}

func TestKernelDev(t *testing.T) {
	for _, d := range []uint64{unix.Mkdev(0, 0), unix.Mkdev(8, 1), unix.Mkdev(259, 3), unix.Mkdev(4095, 1<<20-1), unix.Mkdev(0, 300)} {
		k, ok := kernelDev(d)
		if !ok || userDev(k) != d {
			t.Errorf("kernelDev(%d:%d) = %#x, %v; back to %#x", unix.Major(d), unix.Minor(d), k, ok, userDev(k))
		}
	}
	if _, ok := kernelDev(unix.Mkdev(4096, 0)); ok {
		t.Error("kernelDev(4096:0) = ok, want false: the kernel's major has 12 bits")
	}
}
