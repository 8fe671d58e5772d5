// Package fdlinks reads the descriptors of a process from /proc/PID/fd
// with readlinkat alone: no stat, no fdinfo, nothing else per descriptor.
// It serves questions a link's text answers by itself, such as which
// descriptors are socket:[INODE] for a known set of inodes, where the
// full scan of pkg/fdscan would stat every descriptor for nothing.
//
// Data enters as a proc root and a PID and leaves, descriptor by
// descriptor in numeric order, as the link text or the error reading it.
package fdlinks

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// Reader reads descriptor links, reusing its buffers from one process
// to the next. It is not safe for concurrent use.
type Reader struct {
	root string
	ents []byte
	link []byte
	fds  []int
	name []byte
}

// NewReader returns a Reader for the proc root procRoot (normally /proc).
func NewReader(procRoot string) *Reader {
	return &Reader{
		root: procRoot,
		ents: make([]byte, 16<<10),
		link: make([]byte, unix.PathMax+64),
	}
}

// Links calls fn with each open descriptor of process pid, in numeric
// order, and its link text, or the error readlink gave for it. The text
// is only valid during the call. Links fails when the descriptor
// directory cannot be opened, as when the process is gone.
func (r *Reader) Links(pid int, fn func(fd int, link []byte, err error)) error {
	dir := filepath.Join(r.root, strconv.Itoa(pid), "fd")
	dirfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dirfd)
	r.fds = r.fds[:0]
	for {
		n, err := unix.ReadDirent(dirfd, r.ents)
		if err != nil || n <= 0 {
			break
		}
		r.fds = AppendDirentNumbers(r.fds, r.ents[:n])
	}
	slices.Sort(r.fds)
	for _, fd := range r.fds {
		r.name = strconv.AppendInt(r.name[:0], int64(fd), 10)
		link, err := r.readlink(dirfd, string(r.name))
		fn(fd, link, err)
	}
	return nil
}

func (r *Reader) readlink(dirfd int, name string) ([]byte, error) {
	for {
		n, err := unix.Readlinkat(dirfd, name, r.link)
		if err != nil {
			return nil, err
		}
		if n < len(r.link) {
			return r.link[:n], nil
		}
		r.link = make([]byte, 2*len(r.link))
	}
}

// SocketInode returns N from a link "socket:[N]", and false for any
// other link.
func SocketInode(link []byte) (uint64, bool) {
	rest, ok := bytes.CutPrefix(link, []byte("socket:["))
	if !ok || len(rest) < 2 || rest[len(rest)-1] != ']' {
		return 0, false
	}
	var n uint64
	for _, c := range rest[:len(rest)-1] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// AppendDirentNumbers appends the names in a getdents64 buffer that are
// decimal numbers.
func AppendDirentNumbers(dst []int, buf []byte) []int {
	for len(buf) >= 19 {
		// struct linux_dirent64: ino u64, off u64, reclen u16, type u8, name.
		reclen := int(buf[16]) | int(buf[17])<<8
		if reclen < 19 || reclen > len(buf) {
			break
		}
		name := buf[19:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		n, ok := 0, len(name) > 0
		for _, c := range name {
			if c < '0' || c > '9' {
				ok = false
				break
			}
			n = n*10 + int(c-'0')
		}
		if ok {
			dst = append(dst, n)
		}
		buf = buf[reclen:]
	}
	return dst
}
