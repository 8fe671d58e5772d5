//go:build linux

package fdscan_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

func TestNetNS(t *testing.T) {
	s := fixture(t, false, 1)
	if ns, err := s.NetNS(100); err != nil || ns != 4026531840 {
		t.Errorf("NetNS(100) = %d, %v; want 4026531840", ns, err)
	}
	for _, pid := range []int{1, 4711} {
		if ns, err := s.NetNS(pid); err == nil {
			t.Errorf("NetNS(%d) = %d; want an error, the fixture has no ns/net for it", pid, ns)
		}
	}
	live, err := fdscan.New(fdscan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := live.NetNS(os.Getpid())
	n, _ := os.Readlink("/proc/self/ns/net")
	if err != nil || n != "net:["+strconv.FormatUint(ns, 10)+"]" {
		t.Errorf("NetNS(self) = %d, %v; the link says %q", ns, err, n)
	}
}

func TestIdentity(t *testing.T) {
	s := fixture(t, false, 1)
	p, err := s.Identity(100)
	if err != nil || p.Command != "server" || p.PPID != 1 || p.PGID != 100 || p.UID != 1000 || len(p.Files) != 0 {
		t.Errorf("Identity(100) = %+v, %v; want server, parent 1, group 100, user 1000, no files", p, err)
	}
	if p, err := s.Identity(101); err == nil {
		t.Errorf("Identity(101) = %+v; want an error for a zombie", p)
	}
	if p, err := s.Identity(4711); err == nil {
		t.Errorf("Identity(4711) = %+v; want an error for a missing process", p)
	}
	live, err := fdscan.New(fdscan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := live.Identity(os.Getpid()); err != nil || p.PPID != os.Getppid() {
		t.Errorf("Identity(self) = %+v, %v; want parent %d", p, err, os.Getppid())
	}
}
