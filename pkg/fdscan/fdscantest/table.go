//go:build linux

package fdscantest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

// OpenFiles returns the tree's stand-in for the kernel's tables of open
// files and mappings, which fdscan.SourceKernel walks (the mappings: see
// Maps): one record for each descriptor link in the fd directory of a
// process, or of a thread whose descriptors are not its process's (as
// Kcmp says), in TID and descriptor order, read anew on each walk, as
// the kernel would hold it:
//
//   - its path is the link's target, whatever the table says of reading
//     the link: the kernel knows it, where proc may not show it;
//   - its device, inode, mode, link count and size are the table's stat
//     of the link; a descriptor without an entry, or whose entry says
//     ENOENT, was closed before the walk and has no record, and one whose
//     stat fails otherwise has a record with none of these fields, so
//     that no mount's device matches it;
//   - its position, open flags and mount are its fdinfo file's.
//
// With a search, a record is reported when the search names its device
// and inode or its device, or when its mount, in the tree's
// self/mountinfo, is not of a file system in kiter.Plain (or not there),
// as kiter.OpenWanted does.
func (k *Kernel) OpenFiles(search *fdscan.Search) (fdscan.FileTable, error) {
	return &table{k: k, search: search}, nil
}

// table is the tree's tables, filtered by search when it is not nil.
type table struct {
	k      *Kernel
	search *fdscan.Search
}

func (t *table) Close() error { return nil }

func (t *table) Files(fn func(fdscan.Record) error) error {
	pids, err := numbered(t.k.root)
	if err != nil {
		return err
	}
	var plain map[int]bool // mounts whose files a search reports when wanted
	if t.search != nil {
		if plain, err = t.plainMounts(); err != nil {
			return err
		}
	}
	// The tables in TID order: each process's, and each thread's whose
	// descriptors are not its process's (as the fixture's Kcmp says).
	type fdTable struct {
		pid, tid int
		dir      string // relative to the root
	}
	var tables []fdTable
	for _, pid := range pids {
		dir := strconv.Itoa(pid)
		tables = append(tables, fdTable{pid, pid, dir})
		tids, _ := numbered(filepath.Join(t.k.root, dir, "task"))
		for _, tid := range tids {
			if tid == pid {
				continue
			}
			if same, err := t.k.Kcmp(pid, tid, fdscan.KcmpFiles); err == nil && !same {
				tables = append(tables, fdTable{pid, tid, dir + "/task/" + strconv.Itoa(tid)})
			}
		}
	}
	slices.SortFunc(tables, func(a, b fdTable) int { return a.tid - b.tid })
	for _, tb := range tables {
		fds, err := numbered(filepath.Join(t.k.root, tb.dir, "fd"))
		if err != nil {
			continue // no descriptor table: a zombie, or none in the tree
		}
		for _, fd := range fds {
			r, ok := t.record(tb.dir, fd)
			r.PID, r.TID = tb.pid, tb.tid
			if ok && (t.search == nil || t.wanted(&r, plain)) {
				if err := fn(r); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Maps gives the mappings of each process directory's maps file: a
// record for each run of lines mapping one file (lines that map no file
// between them left out), named by its path, as the kernel's walk gives
// them.
func (t *table) Maps(fn func(kiter.Mapping) error) error {
	pids, err := numbered(t.k.root)
	if err != nil {
		return err
	}
	names := map[string]uint64{}
	for _, pid := range pids {
		b, err := os.ReadFile(filepath.Join(t.k.root, strconv.Itoa(pid), "maps"))
		if err != nil {
			continue
		}
		var last kiter.Mapping
		for line := range strings.Lines(string(b)) {
			f := strings.Fields(line)
			if len(f) < 6 || f[4] == "0" {
				continue
			}
			m := kiter.Mapping{PID: pid}
			var major, minor uint32
			if _, err := fmt.Sscanf(f[0]+" "+f[3]+" "+f[4], "%x-%x %x:%x %d", &m.Start, &m.End, &major, &minor, &m.Ino); err != nil {
				return fmt.Errorf("%s/maps: %q: %w", strconv.Itoa(pid), line, err)
			}
			m.Dev = unix.Mkdev(major, minor)
			if last.PID == pid && last.Dev == m.Dev && last.Ino == m.Ino {
				continue
			}
			_, path, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " "+f[4]+" ")
			path = strings.TrimLeft(path, " ")
			if names[path] == 0 {
				names[path] = uint64(len(names) + 1)
			}
			m.Name = kiter.PathKey{Dentry: names[path]}
			if err := fn(m); err != nil {
				return err
			}
			last = m
		}
	}
	return nil
}

// record is the record of descriptor fd of the process or task whose
// directory is dir; false for one closed before the walk.
func (t *table) record(dir string, fd int) (fdscan.Record, bool) {
	rel := dir + "/fd/" + strconv.Itoa(fd)
	r := fdscan.Record{FD: fd, MountID: -1}
	path, err := os.Readlink(filepath.Join(t.k.root, rel))
	e, ok := t.k.stats[rel]
	if err != nil || !ok || errors.Is(e.Err, unix.ENOENT) {
		return r, false
	}
	r.Path = path
	if e.Err == nil {
		st := &e.Stat
		r.Dev, r.Ino, r.Rdev, r.Mode, r.Nlink, r.Size = st.Dev, st.Ino, st.Rdev, st.Mode, uint32(st.Nlink), st.Size
	}
	info, err := os.ReadFile(filepath.Join(t.k.root, dir, "fdinfo", strconv.Itoa(fd)))
	if err != nil {
		return r, true
	}
	for line := range bytes.Lines(info) {
		key, v, ok := strings.Cut(string(line), ":")
		v = strings.TrimSpace(v)
		if !ok {
			continue
		}
		switch key {
		case "pos":
			r.Pos, _ = strconv.ParseInt(v, 10, 64)
		case "flags":
			n, _ := strconv.ParseUint(v, 8, 32)
			r.Flags = uint32(n)
		case "mnt_id":
			r.MountID, _ = strconv.Atoi(v)
		case "Pid":
			// The kernel's walk gives a pidfd's process where it lives
			// (a tree has no process that exited).
			if n, _ := strconv.Atoi(v); n > 0 {
				r.PidfdPID = n
			}
		}
	}
	return r, true
}

// wanted reports whether the search reports r.
func (t *table) wanted(r *fdscan.Record, plain map[int]bool) bool {
	return slices.Contains(t.search.Files, fdscan.FileID{Dev: r.Dev, Ino: r.Ino}) ||
		slices.Contains(t.search.Devs, r.Dev) || !plain[r.MountID]
}

// plainMounts lists the IDs of the tree's mounts of file systems in
// kiter.Plain.
func (t *table) plainMounts() (map[int]bool, error) {
	ids := map[int]bool{}
	err := t.eachMount(func(id int, _ uint64, fsType string) {
		if kiter.IsPlain(fsType) {
			ids[id] = true
		}
	})
	return ids, err
}

// eachMount calls fn with each mount of the tree's self/mountinfo: its
// ID, device and file system type. A tree without one has no mounts.
func (t *table) eachMount(fn func(id int, dev uint64, fsType string)) error {
	b, err := os.ReadFile(filepath.Join(t.k.root, "self", "mountinfo"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		sep := slices.Index(f, "-")
		if sep < 3 || sep+1 >= len(f) {
			continue
		}
		id, err := strconv.Atoi(f[0])
		var major, minor uint32
		if _, serr := fmt.Sscanf(f[2], "%d:%d", &major, &minor); err != nil || serr != nil {
			continue
		}
		fn(id, unix.Mkdev(major, minor), f[sep+1])
	}
	return nil
}

// Tasks gives each process directory's cwd, root and exe as the table
// stats them, on the first mount of their device in the tree's
// self/mountinfo (or none, -1, where it lists none), and the inode its
// ns/net link names: what the kernel's walk of processes would give. A
// link whose stat fails, or that has no entry, has no file, as the
// kernel's walk has none of a kernel thread's program.
func (t *table) Tasks(fn func(kiter.Task) error) error {
	pids, err := numbered(t.k.root)
	if err != nil {
		return err
	}
	mountOf := map[uint64]int{}
	if err := t.eachMount(func(id int, dev uint64, _ string) {
		if _, ok := mountOf[dev]; !ok {
			mountOf[dev] = id
		}
	}); err != nil {
		return err
	}
	for _, pid := range pids {
		dir := strconv.Itoa(pid)
		task := kiter.Task{PID: pid}
		for i, name := range [...]string{kiter.TaskCWD: "cwd", kiter.TaskRoot: "root", kiter.TaskExe: "exe"} {
			e, ok := t.k.stats[dir+"/"+name]
			if !ok || e.Err != nil {
				continue
			}
			st := &e.Stat
			id, ok := mountOf[st.Dev]
			if !ok {
				id = -1
			}
			task.Files[i] = kiter.TaskFile{Dev: st.Dev, Ino: st.Ino, Rdev: st.Rdev, Size: st.Size,
				Mode: st.Mode, Nlink: uint32(st.Nlink), MountID: id, OK: true}
		}
		if link, err := os.Readlink(filepath.Join(t.k.root, dir, "ns", "net")); err == nil {
			num, _ := strings.CutPrefix(link, "net:[")
			task.NetNS, _ = strconv.ParseUint(strings.TrimSuffix(num, "]"), 10, 64)
		}
		if err := fn(task); err != nil {
			return err
		}
	}
	return nil
}

// numbered lists the names of dir that are numbers, in ascending order.
func numbered(dir string) ([]int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ns []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && n >= 0 {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	return ns, nil
}
