// go-fuse, which serves the file system, builds only where int is 64 bits.

//go:build linux && !386 && !arm

// Command stallfs is a test fixture: a FUSE file system served by a
// process of its own that can stop answering as a dead daemon does. It
// mounts itself on DIR, starts two holder processes, one working in DIR
// and holding DIR/held open, the other working in DIR/sub, and prints
// "ready holder=PID holder2=PID".
//
// Then it reads commands on standard input: "stall" makes every request
// from then on (getattr, lookup, opendir, readdir) wait, ignoring the
// kernel's interrupts, as a hung sshfs or FUSE daemon does: a thread
// that asks waits uninterruptibly, and its process cannot exit, not even
// on SIGKILL. "answer" answers the waiting requests and every later one.
// When its input closes it ends the holders and exits; the kernel then
// aborts the connection, which frees every waiting thread, and the
// mount is left for the test to detach.
//
// Run it under "unshare -m --propagation private" to have the mount in
// a mount namespace of its own. Mounting needs root and /dev/fuse.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// gate holds requests while the file system is stalled.
type gate struct {
	mu      sync.Mutex
	stalled bool
	open    chan struct{} // closed when it answers again
}

func (g *gate) stall() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.stalled {
		g.stalled, g.open = true, make(chan struct{})
	}
}

func (g *gate) answer() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stalled {
		g.stalled = false
		close(g.open)
	}
}

func (g *gate) isStalled() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stalled
}

// wait blocks while stalled. It takes no context: a dead daemon does not
// hear the kernel's interrupts.
func (g *gate) wait() {
	g.mu.Lock()
	stalled, open := g.stalled, g.open
	g.mu.Unlock()
	if stalled {
		<-open
	}
}

type dir struct {
	fs.Inode
	g *gate
}

var (
	_ = (fs.NodeGetattrer)((*dir)(nil))
	_ = (fs.NodeOpendirer)((*dir)(nil))
	_ = (fs.NodeReaddirer)((*dir)(nil))
)

func (d *dir) Getattr(_ context.Context, _ fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.g.wait()
	out.Mode = syscall.S_IFDIR | 0o755
	return 0
}

func (d *dir) Opendir(context.Context) syscall.Errno {
	d.g.wait()
	return 0
}

func (d *dir) Readdir(context.Context) (fs.DirStream, syscall.Errno) {
	d.g.wait()
	var ents []fuse.DirEntry
	for name, child := range d.Children() {
		ents = append(ents, fuse.DirEntry{Name: name, Mode: child.Mode(), Ino: child.StableAttr().Ino})
	}
	return fs.NewListDirStream(ents), 0
}

type file struct {
	fs.Inode
	g *gate
}

var (
	_ = (fs.NodeGetattrer)((*file)(nil))
	_ = (fs.NodeOpener)((*file)(nil))
)

func (f *file) Getattr(_ context.Context, _ fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	f.g.wait()
	out.Mode = syscall.S_IFREG | 0o644
	out.Size = 5
	return 0
}

func (f *file) Open(context.Context, uint32) (fs.FileHandle, uint32, syscall.Errno) {
	f.g.wait()
	return nil, fuse.FOPEN_KEEP_CACHE, 0
}

type root struct {
	dir
}

var _ = (fs.NodeOnAdder)((*root)(nil))

func (r *root) OnAdd(ctx context.Context) {
	r.AddChild("held", r.NewPersistentInode(ctx, &file{g: r.g}, fs.StableAttr{Mode: syscall.S_IFREG, Ino: 2}), false)
	sub := r.NewPersistentInode(ctx, &dir{g: r.g}, fs.StableAttr{Mode: syscall.S_IFDIR, Ino: 3})
	r.AddChild("sub", sub, false)
	sub.AddChild("file", r.NewPersistentInode(ctx, &file{g: r.g}, fs.StableAttr{Mode: syscall.S_IFREG, Ino: 4}), false)
}

// closeOnExec marks every descriptor above standard error close-on-exec,
// the FUSE device that go-fuse opened without it among them.
func closeOnExec() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
		}
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: stallfs DIR")
		os.Exit(2)
	}
	mnt := os.Args[1]
	g := &gate{}
	zero := time.Duration(0)
	server, err := fs.Mount(mnt, &root{dir{g: g}}, &fs.Options{
		// No caching: every lookup and stat asks the daemon.
		AttrTimeout:  &zero,
		EntryTimeout: &zero,
		MountOptions: fuse.MountOptions{DirectMount: true, FsName: "stallfs", Name: "stallfs"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "stallfs: mount:", err)
		os.Exit(1)
	}
	// The holders must not inherit the FUSE device: the connection
	// ends, freeing whatever waits on it, only when its last holder
	// closes it.
	closeOnExec()
	held, err := os.Open(filepath.Join(mnt, "held"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "stallfs:", err)
		os.Exit(1)
	}
	var holders []*exec.Cmd
	for _, wd := range []string{mnt, filepath.Join(mnt, "sub")} {
		h := exec.Command("sleep", "3600")
		h.Dir, h.Stdin = wd, held
		if err := h.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "stallfs:", err)
			os.Exit(1)
		}
		holders = append(holders, h)
	}
	held.Close()
	fmt.Printf("ready holder=%d holder2=%d\n", holders[0].Process.Pid, holders[1].Process.Pid)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "stall":
			g.stall()
		case "answer":
			g.answer()
		}
	}
	for _, h := range holders {
		_ = h.Process.Kill()
		_ = h.Wait()
	}
	if !g.isStalled() {
		_ = server.Unmount()
	}
	os.Exit(0)
}
