//go:build linux

package main

import (
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
	manpage.Documented(t, "fuser --help", usageText+extensionsText, manPage, "../../README.md", 35)
}
