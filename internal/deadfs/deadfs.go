// Package deadfs is a FUSE file system for tests that can stop answering:
// after Hang, every getattr blocks until Release, as a stuck FUSE daemon
// or an unreachable NFS server makes stat block. It holds one file,
// "held". Mounting needs root and /dev/fuse.
package deadfs

import (
	"context"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// FS is a mounted deadfs.
type FS struct {
	server  *fuse.Server
	mu      sync.Mutex
	hang    bool
	release chan struct{}
}

// Mount mounts a deadfs at dir.
func Mount(dir string) (*FS, error) {
	d := &FS{release: make(chan struct{})}
	zero := time.Duration(0)
	server, err := fs.Mount(dir, &root{d: d}, &fs.Options{
		// No caching: every stat asks the daemon.
		AttrTimeout:  &zero,
		EntryTimeout: &zero,
		MountOptions: fuse.MountOptions{DirectMount: true, FsName: "deadfs", Name: "deadfs"},
	})
	if err != nil {
		return nil, err
	}
	d.server = server
	return d, nil
}

// Hang makes every getattr from now on block until Release.
func (d *FS) Hang() {
	d.mu.Lock()
	d.hang = true
	d.mu.Unlock()
}

// Release answers the blocked getattrs and every later one.
func (d *FS) Release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.hang {
		d.hang = false
		close(d.release)
	}
}

// Unmount releases and unmounts the file system.
func (d *FS) Unmount() error {
	d.Release()
	return d.server.Unmount()
}

func (d *FS) wait(ctx context.Context) {
	d.mu.Lock()
	hang, release := d.hang, d.release
	d.mu.Unlock()
	if hang {
		select {
		case <-release:
		case <-ctx.Done():
		}
	}
}

type root struct {
	fs.Inode
	d *FS
}

var _ = (fs.NodeOnAdder)((*root)(nil))
var _ = (fs.NodeGetattrer)((*root)(nil))

func (r *root) OnAdd(ctx context.Context) {
	f := r.NewPersistentInode(ctx, &file{d: r.d}, fs.StableAttr{Mode: syscall.S_IFREG})
	r.AddChild("held", f, false)
}

func (r *root) Getattr(ctx context.Context, _ fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	r.d.wait(ctx)
	out.Mode = syscall.S_IFDIR | 0o755
	return 0
}

type file struct {
	fs.Inode
	d *FS
}

var _ = (fs.NodeGetattrer)((*file)(nil))
var _ = (fs.NodeOpener)((*file)(nil))

func (f *file) Getattr(ctx context.Context, _ fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	f.d.wait(ctx)
	out.Mode = syscall.S_IFREG | 0o644
	out.Size = 5
	return 0
}

func (f *file) Open(context.Context, uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, fuse.FOPEN_KEEP_CACHE, 0
}
