//go:build !linux

// This lsof reads Linux's /proc and asks Linux's kernel about sockets
// and mounts: elsewhere it builds only to say so.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "lsof: this lsof reads Linux's /proc; it does not run on %s\n", runtime.GOOS)
	os.Exit(1)
}
