//go:build linux

package pathlookup

import (
	"errors"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// TestMain lets the test binary serve as the lookup helper.
func TestMain(m *testing.M) {
	Serve()
	os.Exit(m.Run())
}

var (
	calmMounts     = fdscan.ParseMountinfo([]byte("21 1 254:0 / / rw - ext4 /dev/vda rw\n"))
	stallingMounts = fdscan.ParseMountinfo([]byte("21 1 254:0 / / rw - ext4 /dev/vda rw\n40 21 0:50 / /mnt/remote rw - fuse.sshfs host: rw\n"))
)

// TestLookupWhere checks where lookups are made: in our own process when
// no mount may stall and no magic link is on the way, in the helper
// otherwise, with the same answers.
func TestLookupWhere(t *testing.T) {
	var want unix.Stat_t
	if err := unix.Stat("/etc/hostname", &want); err != nil {
		t.Skip(err)
	}
	for _, c := range []struct {
		mounts *fdscan.Mounts
		path   string
		helper bool
	}{
		{calmMounts, "/etc/hostname", false},
		{nil, "/etc/hostname", true},
		{stallingMounts, "/etc/hostname", true},
		// The way into another mount namespace: never in our process.
		{calmMounts, "/proc/self/root/etc/hostname", true},
		{calmMounts, "/proc/thread-self/root/etc/hostname", true},
	} {
		l := &Lookup{Mounts: c.mounts}
		st, err := l.Stat(c.path)
		if err != nil || st.Dev != want.Dev || st.Ino != want.Ino {
			t.Errorf("Stat(%s) = %+v, %v; want device %d, inode %d", c.path, st, err, want.Dev, want.Ino)
		}
		if got := len(l.Helpers()) > 0; got != c.helper {
			t.Errorf("Stat(%s) with mounts %v: helper used %v, want %v", c.path, c.mounts, got, c.helper)
		}
		l.Close()
	}
}

// TestLookupLinks checks lstat and readlink of proc's magic links, which
// are answered without passing through them, and of plain names.
func TestLookupLinks(t *testing.T) {
	for _, mounts := range []*fdscan.Mounts{calmMounts, stallingMounts} {
		l := &Lookup{Mounts: mounts}
		st, err := l.Lstat("/proc/self/root")
		if err != nil || st.Mode&unix.S_IFMT != unix.S_IFLNK {
			t.Errorf("Lstat(/proc/self/root) = mode %o, %v; want a link", st.Mode, err)
		}
		if link, err := l.Readlink("/proc/self/root"); err != nil || link != "/" {
			t.Errorf("Readlink(/proc/self/root) = %q, %v; want /", link, err)
		}
		if _, err := l.Readlink("/etc"); !errors.Is(err, unix.EINVAL) {
			t.Errorf("Readlink(/etc) = %v, want EINVAL", err)
		}
		if _, err := l.Stat("/nonexistent/x"); !errors.Is(err, unix.ENOENT) {
			t.Errorf("Stat(/nonexistent/x) = %v, want ENOENT", err)
		}
		ents, err := l.ReadDir("/proc/self/fd")
		if err != nil || len(ents) == 0 {
			t.Errorf("ReadDir(/proc/self/fd) = %d entries, %v", len(ents), err)
		}
		l.Close()
	}
}

// TestLookupNotResponding gives the helper no time at all: the lookup
// fails with ErrNotResponding, and one under the same path fails at
// once, without a new helper.
func TestLookupNotResponding(t *testing.T) {
	l := &Lookup{Timeout: time.Nanosecond}
	defer l.Close()
	if _, err := l.Stat("/etc"); !errors.Is(err, ErrNotResponding) {
		t.Fatalf("Stat with no time = %v, want ErrNotResponding", err)
	}
	start := time.Now()
	if _, err := l.Stat("/etc/hostname"); !errors.Is(err, ErrNotResponding) {
		t.Errorf("Stat under a path that did not answer = %v, want ErrNotResponding", err)
	}
	if n := len(l.Helpers()); n != 1 || time.Since(start) > 100*time.Millisecond {
		t.Errorf("the second lookup started %d helpers in all, took %v; want 1, at once", n, time.Since(start))
	}
	if _, err := l.Stat("/usr"); !errors.Is(err, ErrNotResponding) || len(l.Helpers()) != 2 {
		t.Errorf("a lookup elsewhere = %v with %d helpers; want a new helper", err, len(l.Helpers()))
	}
}
