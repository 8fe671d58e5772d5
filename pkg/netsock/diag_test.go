//go:build linux

package netsock

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// TestDiagMatchesProc checks that the UDP sockets sock_diag dumps are
// those /proc/net/udp and udp6 show, field for field: bound and
// connected ones, IPv4 and IPv6, one with data waiting to be read.
func TestDiagMatchesProc(t *testing.T) {
	var mine []uint64
	open := func(family int, bind, peer unix.Sockaddr) int {
		fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Skipf("socket: %v", err)
		}
		t.Cleanup(func() { unix.Close(fd) })
		if err := unix.Bind(fd, bind); err != nil {
			t.Fatal(err)
		}
		if peer != nil {
			if err := unix.Connect(fd, peer); err != nil {
				t.Fatal(err)
			}
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Fatal(err)
		}
		mine = append(mine, st.Ino)
		return fd
	}
	lo4 := [4]byte{127, 0, 0, 1}
	server := open(unix.AF_INET, &unix.SockaddrInet4{Addr: lo4}, nil)
	sa, err := unix.Getsockname(server)
	if err != nil {
		t.Fatal(err)
	}
	client := open(unix.AF_INET, &unix.SockaddrInet4{Addr: lo4}, sa)
	if err := unix.Send(client, []byte("waiting"), 0); err != nil {
		t.Fatal(err)
	}
	open(unix.AF_INET6, &unix.SockaddrInet6{Addr: [16]byte{15: 1}}, nil)
	open(unix.AF_INET6, &unix.SockaddrInet6{}, &unix.SockaddrInet6{Port: 9, Addr: [16]byte{15: 1}})

	fromProc, err := readTables("/proc/"+strconv.Itoa(os.Getpid())+"/net", false, false, []Proto{ProtoUDP})
	if err != nil {
		t.Fatal(err)
	}
	fromDiag := newTables()
	for _, v6 := range []bool{false, true} {
		if err := diagInet(ProtoUDP, unix.IPPROTO_UDP, v6, fromDiag.addSocket); err != nil {
			t.Skipf("no sock_diag for UDP here: %v", err)
		}
	}
	for _, ino := range mine {
		want, ok := fromProc.Lookup(ino)
		if !ok {
			t.Fatalf("socket %d not in /proc/net/udp", ino)
		}
		got, ok := fromDiag.Lookup(ino)
		if !ok {
			t.Errorf("socket %d not dumped by sock_diag", ino)
			continue
		}
		if got != want {
			t.Errorf("socket %d:\nsock_diag %+v\n/proc     %+v", ino, got, want)
		}
	}
	if s, _ := fromDiag.Lookup(mine[0]); s.RxQueue == 0 {
		t.Errorf("socket with a datagram waiting has RxQueue 0")
	}
}

// TestReadTablesOwn checks that reading our own namespace's tables with
// sock_diag finds what reading them all from /proc finds.
func TestReadTablesOwn(t *testing.T) {
	dir := "/proc/" + strconv.Itoa(os.Getpid()) + "/net"
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skip(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	own, err := readTables(dir, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	proc, err := readTables(dir, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if own.Files != proc.Files {
		t.Errorf("read %d tables with sock_diag, %d from /proc", own.Files, proc.Files)
	}
	a, okA := own.Lookup(st.Ino)
	b, okB := proc.Lookup(st.Ino)
	if !okA || !okB || a != b {
		t.Errorf("socket %d: own %v %+v, /proc %v %+v", st.Ino, okA, a, okB, b)
	}
}
