//go:build linux

package main

import "testing"

// TestFilesOnly: the kernel's source is told to report only the named
// files' descriptors where nothing else can be selected: names alone, or
// anything ANDed with them; not where another selection may add files.
func TestFilesOnly(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"/srv"}, true},
		{[]string{"+D", "/srv"}, true},
		{[]string{"-a", "-u", "0", "/srv"}, true},
		{[]string{"-a", "-i", ":80", "/srv"}, true},
		{[]string{"-u", "0", "/srv"}, false},
		{[]string{"-p", "1", "/srv"}, false},
		{[]string{"-i", ":80", "/srv"}, false},
		{[]string{"-U", "/srv"}, false},
		{[]string{"-d", "3", "/srv"}, false},
		{[]string{"+L1", "/srv"}, false},
		{[]string{"-N", "/srv"}, false},
		{[]string{"-K", "-p", "1", "/srv"}, false},
		{[]string{"-u", "0"}, false},
		{nil, false},
	} {
		o, err := parseArgs(tc.args, env{})
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		files := &fileSearch{given: o.names != nil || o.dirs != nil}
		if got := newSelection(&o, files).filesOnly(); got != tc.want {
			t.Errorf("lsof %v: filesOnly %v, want %v", tc.args, got, tc.want)
		}
	}
}
