//go:build linux

// Package fdscantest runs package fdscan on fixture proc trees, as
// net/http/httptest runs net/http without a network: a Kernel answers the
// scanner's system calls from a tree under testdata/proc and its StatTable,
// and the scanner runs the same code it runs on /proc.
//
// Data enters as a tree on disk and its ".stat" table (LoadStatTable), and
// leaves through the fdscan.Options that Kernel.Options returns.
package fdscantest
