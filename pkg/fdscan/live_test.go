//go:build linux

package fdscan_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// TestScanSelfLive scans this test process on the running kernel, with
// its tasks, and checks the descriptors it opened against what the
// kernel says of them through other calls: the live Kernel's stats,
// link modes, kcmp and sockprotoname, which the fixture tests replace.
func TestScanSelfLive(t *testing.T) {
	dir := t.TempDir()
	wr, err := os.Create(filepath.Join(dir, "written"))
	if err != nil {
		t.Fatal(err)
	}
	defer wr.Close()
	if _, err := wr.WriteString("twelve bytes"); err != nil {
		t.Fatal(err)
	}
	rd, err := os.Open(filepath.Join(dir, "written"))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	// Plain TCP: Go listens with MPTCP where the kernel has it.
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lnFile, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer lnFile.Close()

	s, err := fdscan.New(fdscan.Options{Tasks: true})
	if err != nil {
		t.Fatal(err)
	}
	var self []*fdscan.Process
	if err := s.Scan([]int{os.Getpid()}, func(p *fdscan.Process) error {
		c := *p
		c.Files = append([]fdscan.File(nil), p.Files...)
		self = append(self, &c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(self) == 0 {
		t.Fatal("Scan of our own process delivered nothing")
	}
	p := self[0]
	if p.UID != uint32(os.Geteuid()) || p.PPID != os.Getppid() {
		t.Errorf("process: user %d, parent %d; want %d, %d", p.UID, p.PPID, os.Geteuid(), os.Getppid())
	}
	byFD := map[int]fdscan.File{}
	for _, f := range p.Files {
		if f.Kind == fdscan.KindFD {
			byFD[f.FD] = f
		}
	}
	for _, tc := range []struct {
		name     string
		file     *os.File
		typ      fdscan.Type
		mode     fdscan.Mode
		writable bool
	}{
		{"written file", wr, fdscan.TypeReg, fdscan.ModeReadWrite, true},
		{"read file", rd, fdscan.TypeReg, fdscan.ModeRead, false},
		{"pipe's read end", pr, fdscan.TypeFIFO, fdscan.ModeRead, false},
		{"pipe's write end", pw, fdscan.TypeFIFO, fdscan.ModeWrite, true},
		{"listening socket", lnFile, fdscan.TypeSock, fdscan.ModeReadWrite, true},
	} {
		fd := int(tc.file.Fd())
		f, ok := byFD[fd]
		if !ok {
			t.Errorf("%s: descriptor %d not listed", tc.name, fd)
			continue
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Fatal(err)
		}
		if f.Err != nil || f.Type != tc.typ || f.Dev != st.Dev || f.Inode != st.Ino || f.Size != st.Size {
			t.Errorf("%s: type %v, device %d, inode %d, size %d, error %v; want type %v, %d, %d, %d, none",
				tc.name, f.Type, f.Dev, f.Inode, f.Size, f.Err, tc.typ, st.Dev, st.Ino, st.Size)
		}
		if f.Mode != tc.mode || f.Writable != tc.writable {
			t.Errorf("%s: mode %c, writable %v; want %c, %v", tc.name, f.Mode, f.Writable, tc.mode, tc.writable)
		}
	}
	// The socket's protocol, from its extended attribute.
	if f, ok := byFD[int(lnFile.Fd())]; ok {
		if proto := s.SocketProtocol(p, &f); proto != "TCP" {
			t.Errorf("SocketProtocol of the listener = %q, want TCP", proto)
		}
	}
	// The program text and its mapping, stat'ed by path.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var est unix.Stat_t
	if err := unix.Stat(exe, &est); err != nil {
		t.Fatal(err)
	}
	if text := p.Files[2]; text.Kind != fdscan.KindText || text.Inode != est.Ino || text.Size != est.Size {
		t.Errorf("program text = %+v; want inode %d, size %d", text, est.Ino, est.Size)
	}
	// Go runs several threads; kcmp tells they share everything, so
	// each task lists the process's very entries.
	if len(self) < 2 {
		t.Fatalf("%d tasks scanned; a Go test process runs several threads", len(self))
	}
	for _, task := range self[1:] {
		if len(task.Files) != len(p.Files) || task.TID == 0 {
			t.Errorf("task %d: %d entries, want the process's %d", task.TID, len(task.Files), len(p.Files))
		}
	}
}
