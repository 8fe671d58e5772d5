//go:build linux

package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/manpage"
	"github.com/openfiles/openfiles/pkg/pathlookup"
)

const manPage = "../../man/lsof.8"

func TestManPageLint(t *testing.T) {
	manpage.Lint(t, manPage)
}

// TestHelpOptionsDocumented checks that every option -h names is in the
// man page and in the README.
func TestHelpOptionsDocumented(t *testing.T) {
	manpage.Documented(t, "lsof -h", longUsage, manPage, "../../README.md", 35)
}

// TestStatWaitDefault checks that -S's default is one number: the one
// the lookups use, in the usage, the man page and the README.
func TestStatWaitDefault(t *testing.T) {
	secs := strconv.Itoa(int(pathlookup.DefaultTimeout.Seconds()))
	for _, args := range [][]string{nil, {"-S"}} {
		o, err := parseArgs(args, env{})
		if err != nil || o.statWait != 0 {
			t.Errorf("parseArgs(%q): want statWait 0 (the default, %s s), got %d, %v", args, secs, o.statWait, err)
		}
	}
	if o, _ := parseArgs([]string{"-S", "7"}, env{}); o.statWait != 7 {
		t.Errorf("-S 7: want statWait 7, got %d", o.statWait)
	}
	var line string
	for l := range strings.SplitSeq(longUsage, "\n") {
		if strings.Contains(l, "-S [t]") {
			line = l
		}
	}
	if !strings.Contains(line, "("+secs+")") {
		t.Errorf("usage line of -S: want the default (%s), got %q", secs, line)
	}
	page := manpage.Text(t, manPage)
	if !strings.Contains(page, "seconds ("+secs+") for the lookup") {
		t.Errorf("man page: want -S's default %s s", secs)
	}
	readme, _ := os.ReadFile("../../README.md")
	if !strings.Contains(string(readme), "`-S`, "+secs+" s unless given") {
		t.Errorf("README: want -S's default %s s", secs)
	}
}
