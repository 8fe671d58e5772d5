package main

import (
	"os"
	"testing"

	"github.com/openfiles/openfiles/internal/manpage"
)

const manPage = "../../man/fuser.1"

func TestManPageLint(t *testing.T) {
	manpage.Lint(t, manPage)
}

// TestHelpOptionsDocumented checks that every option --help names (-h's
// and ours) is in the man page and in the README.
func TestHelpOptionsDocumented(t *testing.T) {
	opts := manpage.Options(usageText + extensionsText)
	if len(opts) < 35 {
		t.Fatalf("found %d options in the usage, want at least 35: %q", len(opts), opts)
	}
	page := manpage.Text(t, manPage)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		if !manpage.Mentions(page, o) {
			t.Errorf("fuser --help names %s; the man page does not", o)
		}
		if !manpage.Mentions(string(readme), o) {
			t.Errorf("fuser --help names %s; README.md does not", o)
		}
	}
}
