//go:build linux

// Package pathlookup looks up the paths a user names (files, the trees of
// +d and +D, mount points) so that no file system can hold our process:
// in our own process where nothing mounted may stall, otherwise in a
// helper process with a deadline. Every stat is a statx with
// fdscan.StatxNoBlock, the scanner's own flags. Both commands use it; the
// scanner itself never looks a path up.
package pathlookup

import (
	"encoding/gob"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// ErrNotResponding is the error of a lookup that did not finish within
// its deadline: a file system on the way (a stalled FUSE daemon, an NFS
// server that went away) is not answering.
var ErrNotResponding = errors.New("file system not responding")

// DefaultTimeout bounds a lookup when Lookup.Timeout is 0.
const DefaultTimeout = 5 * time.Second

// Stat is what a lookup tells of a file, from statx(2) made with
// AT_STATX_DONT_SYNC: on FUSE, NFS and the like, the attributes the
// kernel holds, without asking the server.
type Stat struct {
	Dev, Ino, Rdev uint64
	Mode           uint32
	Size           int64
	NLink          uint64
	MntID          uint64
	MountRoot      bool // the root of a mount (STATX_ATTR_MOUNT_ROOT)
}

// DirEntry is one entry of a directory read by Lookup.ReadDir, with the
// lstat of it, or Err when that failed.
type DirEntry struct {
	Name string
	Stat Stat
	Err  error
}

// Lookup looks paths up: the names a user gives, the trees of +d and +D,
// mount points. A lookup may have to ask the file system of every
// directory on the way, and on a stalled FUSE daemon or NFS server the
// thread that asks can wait for ever, uninterruptibly: not even SIGKILL
// ends it, and a process with such a thread cannot exit. So no lookup is
// made by our own process. They are made by a helper, our own program
// started again in helper mode (see Serve), which answers over a
// pipe; when it has not answered within Timeout, the lookup fails with
// ErrNotResponding, the helper is left to the kernel, and the next
// lookup starts a new one. A path under one that did not answer fails at
// once.
//
// A Lookup is safe for concurrent use; lookups are made one at a time.
// Close ends its helper.
type Lookup struct {
	Timeout time.Duration // DefaultTimeout when 0
	// Mounts, when set, is our mount namespace's table. Where no mount
	// in it may stall, lookups are made in our own process, refusing to
	// pass through proc's magic links (the only way out of our mount
	// namespace, into one that may have such mounts); a path that needs
	// one goes to the helper.
	Mounts *fdscan.Mounts
	// FS, when set, answers every lookup instead, and no helper is
	// started: a fixture's world, in tests, through the same callers'
	// code as the machine's.
	FS FS

	mu      sync.Mutex
	h       *helper
	dead    []string // paths that did not answer
	started []int    // the helpers' PIDs
}

// FS is a world of files a Lookup may look paths up in instead of the
// machine's, chosen once when the Lookup is made, as fdscan.Options.Kernel
// is for the scanner. Its methods answer as Lookup's of the same names;
// package fdscantest has one on a fixture's stat table.
type FS interface {
	Stat(path string) (Stat, error)
	Lstat(path string) (Stat, error)
	Readlink(path string) (string, error)
	EvalSymlinks(path string) (string, error)
	ReadDir(dir string) ([]DirEntry, error)
	Getwd() (string, error)
}

// The requests a helper answers.
const (
	opStat     = 's' // statx, following links
	opLstat    = 'l' // statx of the name itself
	opReadlink = 'r'
	opReadDir  = 'd' // the names of a directory, each lstat'ed
	opEval     = 'e' // the path with every symbolic link in it followed
)

type lookupRequest struct {
	Op   byte
	Path string
}

type lookupReply struct {
	Errno   uint32
	Stat    Stat
	Link    string
	Entries []helperEntry
}

type helperEntry struct {
	Name  string
	Errno uint32
	Stat  Stat
}

// Stat stats path, following links, without triggering an automount.
func (l *Lookup) Stat(path string) (Stat, error) {
	if l.FS != nil {
		return l.FS.Stat(path)
	}
	r, err := l.ask(opStat, path)
	return r.Stat, err
}

// Lstat stats path itself, a symbolic link not followed.
func (l *Lookup) Lstat(path string) (Stat, error) {
	if l.FS != nil {
		return l.FS.Lstat(path)
	}
	r, err := l.ask(opLstat, path)
	return r.Stat, err
}

// Readlink returns the target of symbolic link path.
func (l *Lookup) Readlink(path string) (string, error) {
	if l.FS != nil {
		return l.FS.Readlink(path)
	}
	r, err := l.ask(opReadlink, path)
	return r.Link, err
}

// EvalSymlinks returns path with every symbolic link in it followed, as
// filepath.EvalSymlinks does.
func (l *Lookup) EvalSymlinks(path string) (string, error) {
	if l.FS != nil {
		return l.FS.EvalSymlinks(path)
	}
	r, err := l.ask(opEval, path)
	return r.Link, err
}

// ReadDir returns the entries of directory dir, but "." and "..", in the
// order of their names, each lstat'ed.
func (l *Lookup) ReadDir(dir string) ([]DirEntry, error) {
	if l.FS != nil {
		return l.FS.ReadDir(dir)
	}
	r, err := l.ask(opReadDir, dir)
	if err != nil {
		return nil, err
	}
	ents := make([]DirEntry, len(r.Entries))
	for i, e := range r.Entries {
		ents[i] = DirEntry{Name: e.Name, Stat: e.Stat, Err: errnoErr(e.Errno)}
	}
	return ents, nil
}

// Getwd returns the working directory, as the kernel has it (getcwd(2)
// touches no file system), not $PWD.
func (l *Lookup) Getwd() (string, error) {
	if l.FS != nil {
		return l.FS.Getwd()
	}
	return unix.Getwd()
}

// Close ends the helper, if one runs, and waits a moment for it to
// exit, so that a scan made next does not find it.
func (l *Lookup) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.h != nil {
		l.h.in.Close()
		select {
		case <-l.h.exited:
		case <-time.After(time.Second):
		}
		l.h.stop()
		l.h = nil
	}
}

// Helpers returns the PIDs of every helper started, running or not: a
// scan leaves them out, and fuser never signals them.
func (l *Lookup) Helpers() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.started)
}

func errnoErr(n uint32) error {
	if n == 0 {
		return nil
	}
	return unix.Errno(n)
}

// ask sends one request to the helper, starting one when none runs, and
// waits for its reply at most Timeout.
func (l *Lookup) ask(op byte, path string) (lookupReply, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if under(l.dead, path) {
		return lookupReply{}, ErrNotResponding
	}
	if l.Mounts != nil && !l.Mounts.MayStall() {
		if r, ok, err := answerLocally(op, path); ok {
			return r, err
		}
	}
	if l.h == nil {
		h, err := startHelper()
		if err != nil {
			return lookupReply{}, err
		}
		l.h = h
		l.started = append(l.started, h.cmd.Process.Pid)
	}
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	r, err := l.h.ask(lookupRequest{Op: op, Path: ownProc(path)}, timeout)
	if err != nil {
		// Not answering, or gone: either way this helper is done with.
		l.h.stop()
		l.h = nil
		if errors.Is(err, ErrNotResponding) {
			l.dead = append(l.dead, absolute(path))
		}
		return lookupReply{}, err
	}
	return r, errnoErr(r.Errno)
}

// under reports whether path is one of dirs or under one. The working
// directory is asked for only when there is anything to compare with.
func under(dirs []string, path string) bool {
	if len(dirs) == 0 {
		return false
	}
	abs := absolute(path)
	for _, d := range dirs {
		if abs == d || strings.HasPrefix(abs, strings.TrimSuffix(d, "/")+"/") {
			return true
		}
	}
	return false
}

// absolute returns path made absolute against the working directory, by
// its text.
func absolute(path string) string {
	if !strings.HasPrefix(path, "/") {
		if wd, err := unix.Getwd(); err == nil {
			return wd + "/" + path
		}
	}
	return path
}

// ownProc rewrites a path through /proc/self or /proc/thread-self, which
// the helper would take for its own, to name our process.
func ownProc(path string) string {
	for _, self := range []string{"/proc/self", "/proc/thread-self"} {
		if rest, ok := strings.CutPrefix(path, self); ok && (rest == "" || rest[0] == '/') {
			own := "/proc/" + strconv.Itoa(os.Getpid())
			if self == "/proc/thread-self" {
				own += "/task/" + strconv.Itoa(unix.Gettid())
			}
			return own + rest
		}
	}
	return path
}

// helperEnv, set in a program's environment, makes Serve serve.
const helperEnv = "OPENFILES_LOOKUP_HELPER"

// helper is a running helper process.
type helper struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     io.ReadCloser
	enc     *gob.Encoder
	replies chan helperReply
	done    chan struct{} // closed by stop
	exited  chan struct{} // closed when it has exited and been reaped
}

type helperReply struct {
	r   lookupReply
	err error
}

// startHelper starts our own program in helper mode.
func startHelper() (*helper, error) {
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stderr = nil
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &helper{cmd: cmd, in: in, out: out, enc: gob.NewEncoder(in), replies: make(chan helperReply, 1), done: make(chan struct{}), exited: make(chan struct{})}
	// One reader for the helper's life: a reply that comes after its
	// deadline is read and dropped, never taken for the next one's.
	go func() {
		dec := gob.NewDecoder(out)
		for {
			var r lookupReply
			err := dec.Decode(&r)
			select {
			case h.replies <- helperReply{r, err}:
			case <-h.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	// Reap it whenever it ends: a helper stuck in the kernel may end
	// long after we gave up on it, or never.
	go func() {
		_ = cmd.Wait()
		close(h.exited)
	}()
	return h, nil
}

func (h *helper) ask(req lookupRequest, timeout time.Duration) (lookupReply, error) {
	if err := h.enc.Encode(req); err != nil {
		return lookupReply{}, err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-h.replies:
		return r.r, r.err
	case <-timer.C:
		return lookupReply{}, ErrNotResponding
	}
}

// stop ends the helper: it exits when its input closes, or is killed.
// One stuck in an uninterruptible wait ends when the file system
// answers, or with the connection to it; we do not wait for that.
func (h *helper) stop() {
	select {
	case <-h.done:
		return
	default:
	}
	close(h.done)
	h.in.Close()
	h.out.Close()
	_ = h.cmd.Process.Kill()
}

// Serve makes the program a lookup helper when Lookup started it:
// it answers requests on standard input until it closes, then exits.
// Commands that use Lookup call it first thing in main (and test
// binaries in TestMain); it returns at once in any other process.
func Serve() {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	dec, enc := gob.NewDecoder(os.Stdin), gob.NewEncoder(os.Stdout)
	for {
		var req lookupRequest
		if err := dec.Decode(&req); err != nil {
			os.Exit(0)
		}
		if err := enc.Encode(answer(req)); err != nil {
			os.Exit(1)
		}
	}
}

// answer makes one lookup, in the helper.
func answer(req lookupRequest) lookupReply {
	var r lookupReply
	var err error
	switch req.Op {
	case opStat:
		r.Stat, err = statxPath(unix.AT_FDCWD, req.Path, 0)
	case opLstat:
		r.Stat, err = statxPath(unix.AT_FDCWD, req.Path, unix.AT_SYMLINK_NOFOLLOW)
	case opReadlink:
		buf := make([]byte, unix.PathMax)
		var n int
		n, err = unix.Readlink(req.Path, buf)
		if err == nil {
			r.Link = string(buf[:n])
		}
	case opReadDir:
		r.Entries, err = readDir(req.Path)
	case opEval:
		r.Link, err = filepath.EvalSymlinks(req.Path)
	default:
		err = unix.EINVAL
	}
	r.Errno = errnoOf(err)
	return r
}

// errnoOf is the error number err carries, for the pipe: 0 for none, EIO
// for an error that carries none.
func errnoOf(err error) uint32 {
	var errno unix.Errno
	switch {
	case err == nil:
		return 0
	case errors.As(err, &errno):
		return uint32(errno)
	}
	return uint32(unix.EIO)
}

// readDir lists and lstats the entries of dir, in the helper.
func readDir(dir string) ([]helperEntry, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return readDirFD(fd, dir)
}

// statxPath is statx(2) of name relative to dirfd, from the kernel's
// cached attributes and without triggering an automount.
func statxPath(dirfd int, name string, flags int) (Stat, error) {
	var stx unix.Statx_t
	err := unix.Statx(dirfd, name, flags|fdscan.StatxNoBlock,
		unix.STATX_BASIC_STATS|unix.STATX_MNT_ID, &stx)
	if err != nil {
		return Stat{}, err
	}
	return pathStatOf(&stx), nil
}

func pathStatOf(stx *unix.Statx_t) Stat {
	return Stat{
		Dev:   unix.Mkdev(stx.Dev_major, stx.Dev_minor),
		Rdev:  unix.Mkdev(stx.Rdev_major, stx.Rdev_minor),
		Ino:   stx.Ino,
		Mode:  uint32(stx.Mode),
		Size:  int64(stx.Size),
		NLink: uint64(stx.Nlink),
		MntID: stx.Mnt_id,
		// The attribute is known only where the kernel says it is.
		MountRoot: stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 && stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0,
	}
}
