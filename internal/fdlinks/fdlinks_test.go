package fdlinks

import (
	"os"
	"slices"
	"testing"
)

func TestSocketInode(t *testing.T) {
	for link, want := range map[string]uint64{"socket:[6000]": 6000, "socket:[0]": 0} {
		if got, ok := SocketInode([]byte(link)); !ok || got != want {
			t.Errorf("SocketInode(%q) = %d, %v, want %d", link, got, ok, want)
		}
	}
	for _, link := range []string{"pipe:[6000]", "socket:[]", "socket:[12", "socket:[1x]", "/tmp/socket:[1]"} {
		if _, ok := SocketInode([]byte(link)); ok {
			t.Errorf("SocketInode(%q) accepted it", link)
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
	if got := AppendDirentNumbers(nil, buf); !slices.Equal(got, []int{0, 17, 10001}) {
		t.Errorf("AppendDirentNumbers = %v, want [0 17 10001]", got)
	}
}

// TestLinks reads this process's own descriptors: a file it opens must
// be there with its path, in numeric order among the others.
func TestLinks(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "held")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fds []int
	found := false
	err = NewReader("/proc").Links(os.Getpid(), func(fd int, link []byte, err error) {
		fds = append(fds, fd)
		if fd == int(f.Fd()) {
			found = err == nil && string(link) == f.Name()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found || !slices.IsSorted(fds) {
		t.Errorf("descriptors %v: fd %d -> %s found %v, sorted %v", fds, f.Fd(), f.Name(), found, slices.IsSorted(fds))
	}
	if err := NewReader("/proc").Links(1<<30, func(int, []byte, error) {}); err == nil {
		t.Error("Links of a process that does not exist succeeded")
	}
}
