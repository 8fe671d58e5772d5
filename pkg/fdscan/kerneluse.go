//go:build linux

package fdscan

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// The kernel itself uses some paths: mount points, swap areas and NFS
// exports. fuser -v lists them beside the processes, as psmisc does.

// LoadMounts reads a mount table from a mountinfo file, such as
// /proc/self/mountinfo or a fixture's.
func LoadMounts(path string) (*Mounts, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return &Mounts{}, fmt.Errorf("read %s: %w", path, err)
	}
	return ParseMountinfo(b), nil
}

// SwapPaths returns the swap areas of a swaps file (/proc/swaps): the
// first word of each line after the header, as psmisc reads it.
func SwapPaths(path string) ([]string, error) {
	return eachLinePath(path, func(line string) string {
		p, _, ok := strings.Cut(line, " ")
		if !ok {
			return ""
		}
		return p
	})
}

// ExportPaths returns the exported directories of an NFS exports file
// (/proc/fs/nfs/exports): the first word, up to a blank or a tab, of
// each line that is not a comment.
func ExportPaths(path string) ([]string, error) {
	return eachLinePath(path, func(line string) string {
		if strings.HasPrefix(line, "#") {
			return ""
		}
		p, _, ok := strings.Cut(line, " ")
		if q, _, ok2 := strings.Cut(p, "\t"); ok2 {
			p, ok = q, true
		}
		if !ok {
			return ""
		}
		return p
	})
}

// eachLinePath returns the paths pathOf finds in the lines of a file.
func eachLinePath(path string, pathOf func(string) string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var paths []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if p := pathOf(sc.Text()); p != "" {
			paths = append(paths, p)
		}
	}
	return paths, sc.Err()
}
