//go:build linux

// Package selector holds what the commands select open files by, read
// from their arguments and matched against the records the scan and the
// socket tables give: lsof's -i specs (protocol, address and port), -s
// state filters and -d lists, and the files and whole file systems the
// names of both commands stand for (Files). It reads no /proc file and
// formats nothing; a spec's Found and a filter's Seen record what
// matched, for the commands' messages about what was not found.
package selector
