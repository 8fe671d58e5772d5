//go:build linux

// Package rawread reads files whose reads run in the kernel and never
// wait: a kernel iterator's records, the socket tables of /proc/net. It
// reads them with raw read system calls, which the Go scheduler does not
// see as system calls.
//
// Seen as one, a read that runs in the kernel for more than a few tens
// of microseconds has the runtime's monitor hand its P to another
// thread, and keeps the monitor waking every 20 microseconds to look:
// each a switch of threads, which on a virtual machine costs more than
// many records. A full listing's reads of the kernel's tables are
// hundreds of such reads.
//
// A raw read holds its thread and its P until it returns, and the
// collector's stop-the-world waits for it, so it is only for a file
// whose read cannot sleep: not one that can wait on a lock another
// process holds (a walk of mappings takes mmap_lock), a file system
// (FUSE), a device or a peer. Reads are bounded to MaxRead bytes, so
// that each returns in about a millisecond.
package rawread

import (
	"io"
	"os"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"
)

// MaxRead is the most one raw read asks for.
const MaxRead = 64 << 10

// Reader reads an open file through raw reads.
type Reader struct {
	fd int
	f  *os.File // kept, so that fd stays open while it is read
}

// New returns a Reader of f. It fails where f has no descriptor to read,
// and then the caller reads f as usual.
func New(f *os.File) (*Reader, error) {
	c, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	if err := c.Control(func(d uintptr) { fd = int(d) }); err != nil {
		return nil, err
	}
	return &Reader{fd: fd, f: f}, nil
}

// Read reads up to MaxRead bytes into b. It returns io.EOF at the end of
// the file, and a read's errno as error.
func (r *Reader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	b = b[:min(len(b), MaxRead)]
	for {
		n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(r.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		switch {
		case errno == unix.EINTR:
			continue
		case errno != 0:
			return 0, &os.PathError{Op: "read", Path: r.f.Name(), Err: errno}
		case n == 0:
			return 0, io.EOF
		}
		return int(n), nil
	}
}

// ReadFile returns the whole text of the file at path, read through raw
// reads. Its size is not known before it is read (stat says 0 for
// /proc's files), and os.ReadFile's buffer grows by a quarter at a time
// past a few hundred kB, which for a unix table of 26,000 lines (1.6 MB)
// leaves four times that as garbage; this one doubles.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := New(f)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 16<<10)
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, cap(b))
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
