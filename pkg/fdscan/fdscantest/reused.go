//go:build linux

package fdscantest

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

// Reused returns k with tables of the kernel that say of process pid
// what they would have said of another process that had its PID before
// it and held the same files: every size another (by 1000), its network
// namespace another. A scan that believes them where pid started after
// its walks lists what the tree does not hold (see CopyTree and
// SetStartTime); a search finds the same files in both.
func (k *Kernel) Reused(pid int) fdscan.Kernel { return reusedKernel{k, pid} }

type reusedKernel struct {
	*Kernel
	pid int
}

func (k reusedKernel) OpenFiles(s *fdscan.Search) (fdscan.FileTable, error) {
	t, err := k.Kernel.OpenFiles(s)
	return reusedTable{t, k.pid}, err
}

type reusedTable struct {
	fdscan.FileTable
	pid int
}

func (t reusedTable) Files(fn func(fdscan.Record) error) error {
	return t.FileTable.Files(func(r fdscan.Record) error {
		if r.PID == t.pid {
			r.Size += 1000
		}
		return fn(r)
	})
}

func (t reusedTable) Tasks(fn func(kiter.Task) error) error {
	return t.FileTable.Tasks(func(task kiter.Task) error {
		if task.PID == t.pid {
			for i := range task.Files {
				task.Files[i].Size += 1000
			}
			task.NetNS++
		}
		return fn(task)
	})
}

// CopyTree copies the fixture tree at root, its links as links, and the
// files beside it that share its name (root.stat, root.passwd...), into
// directory dir, and returns the copy's root.
func CopyTree(dir, root string) (string, error) {
	dst := filepath.Join(dir, filepath.Base(root))
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, to)
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		}
		return copyFile(to, path)
	})
	if err != nil {
		return "", err
	}
	beside, err := filepath.Glob(root + ".*")
	if err != nil {
		return "", err
	}
	for _, f := range beside {
		if err := copyFile(filepath.Join(dir, filepath.Base(f)), f); err != nil {
			return "", err
		}
	}
	return dst, nil
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// SetStartTime rewrites the start time in the stat files of process pid
// of the tree at root, and of each of its tasks (a process's threads
// start after it): ticks clock ticks after boot.
func SetStartTime(root string, pid int, ticks uint64) error {
	dir := filepath.Join(root, strconv.Itoa(pid))
	stats := []string{filepath.Join(dir, "stat")}
	tasks, err := filepath.Glob(filepath.Join(dir, "task", "*", "stat"))
	if err != nil {
		return err
	}
	for _, path := range append(stats, tasks...) {
		if err := setStartTime(path, ticks); err != nil {
			return err
		}
	}
	return nil
}

func setStartTime(path string, ticks uint64) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	// The fields after the command, which may hold blanks: starttime
	// is the 20th.
	text := string(b)
	end := strings.LastIndexByte(text, ')')
	if end < 0 {
		return fmt.Errorf("%s: no command", path)
	}
	f := strings.Fields(text[end+1:])
	if len(f) < 20 {
		return fmt.Errorf("%s: %d fields after the command", path, len(f))
	}
	f[19] = strconv.FormatUint(ticks, 10)
	return os.WriteFile(path, []byte(text[:end+1]+" "+strings.Join(f, " ")+"\n"), 0o644)
}
