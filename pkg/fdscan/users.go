//go:build linux

package fdscan

import (
	"bytes"
	"os"
	"strconv"
)

// Users maps user IDs to login names.
type Users map[uint32]string

// LoadUsers reads a passwd file. A file that cannot be read gives an empty
// map, so every user shows as a number, as lsof shows unknown users.
func LoadUsers(path string) Users {
	u := Users{}
	b, err := os.ReadFile(path)
	if err != nil {
		return u
	}
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		f := bytes.SplitN(line, []byte(":"), 4)
		if len(f) < 4 || len(f[0]) == 0 {
			continue
		}
		uid, err := strconv.ParseUint(string(f[2]), 10, 32)
		if err != nil {
			continue
		}
		if _, dup := u[uint32(uid)]; !dup {
			u[uint32(uid)] = string(f[0])
		}
	}
	return u
}

// Lookup returns the login name of uid and true, or the number and false
// when it has none.
func (u Users) Lookup(uid uint32) (string, bool) {
	if n, ok := u[uid]; ok {
		return n, true
	}
	return strconv.FormatUint(uint64(uid), 10), false
}
