// Package profile writes CPU and heap profiles of a command's run when
// $OPENFILES_CPUPROFILE and $OPENFILES_MEMPROFILE name files: the
// benchmarks use them to show where the time goes.
package profile

import (
	"os"
	"runtime/pprof"
)

// Run runs f, profiling it as the environment asks, and returns its
// result.
func Run(f func() int) int {
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
