//go:build linux

package main

import (
	"runtime/debug"
	"strings"
)

// lsofRevision is the lsof release whose options and output this lsof
// follows, which -v names where lsof names its own: scripts compare it.
const lsofRevision = "4.95.0"

// versionText is what -v prints, in lsof 4.95's layout: its revision
// line, then how this program was built (Go's compiler, its build
// settings and our own revision) where lsof names its C compiler.
func versionText() string {
	goVersion, flags, ldflags, ours := "unknown", "", "", "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" {
			ours = v
		}
		var set []string
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "-ldflags":
				ldflags = s.Value
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = ", modified"
				}
			case "vcs", "vcs.time", "-compiler":
			default:
				if s.Value == "" {
					continue
				}
				set = append(set, s.Key+"="+s.Value)
			}
		}
		flags = strings.Join(set, " ")
		if rev != "" {
			ours += " (" + rev + modified + ")"
		}
	}
	var b strings.Builder
	line := func(s string) { b.WriteString("    " + s + "\n") }
	b.WriteString("lsof version information:\n")
	line("revision: " + lsofRevision)
	line("latest revision: https://github.com/lsof-org/lsof")
	line("latest FAQ: https://github.com/lsof-org/lsof/blob/master/00FAQ")
	line("latest (non-formatted) man page: https://github.com/lsof-org/lsof/blob/master/Lsof.8")
	line("compiler: gc")
	line("compiler version: " + goVersion)
	line("compiler flags: " + flags)
	line("loader flags: " + ldflags)
	line("openfiles revision: " + ours)
	line("Anyone can list all files.")
	line("/dev warnings are disabled.")
	line("Kernel ID check is disabled.")
	return b.String()
}
