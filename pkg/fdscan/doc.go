//go:build linux

// Package fdscan reads a proc file system and reports, for each process,
// the files it holds open: its working directory, root directory, program
// text, memory-mapped files and file descriptors.
//
// Data enters through a proc root (normally /proc; tests point a Scanner at
// a fixture tree under testdata/proc) and leaves as a stream of Process
// values, each carrying typed File records in lsof's order. The package
// knows nothing about command-line options or output formats: pkg/render
// turns records into text, and the commands decide what to select.
package fdscan
