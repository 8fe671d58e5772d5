//go:build linux

// Package render turns fdscan records into text: lsof's table with its
// column rules and escaping, and the pieces (FD, TYPE, DEVICE, SIZE/OFF,
// NODE, NAME) that other output formats share. It decides how things are
// shown, never what is shown.
package render
