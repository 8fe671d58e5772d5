package main

import (
	"os"
	"runtime/pprof"
)

// profiled runs f, writing a CPU profile to $OPENFILES_CPUPROFILE and a
// heap profile to $OPENFILES_MEMPROFILE when they are set, as lsof does:
// the benchmarks use them to show where the time goes.
func profiled(f func() int) int {
	if path := os.Getenv("OPENFILES_CPUPROFILE"); path != "" {
		if out, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(out) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	code := f()
	if path := os.Getenv("OPENFILES_MEMPROFILE"); path != "" {
		if out, err := os.Create(path); err == nil {
			_ = pprof.Lookup("allocs").WriteTo(out, 0)
			out.Close()
		}
	}
	return code
}
