module github.com/openfiles/openfiles

go 1.26.8

require (
	github.com/hanwen/go-fuse/v2 v2.12.1
	github.com/prometheus/procfs v0.23.0
	golang.org/x/sys v0.49.0
)

require github.com/cilium/ebpf v0.22.0 // indirect

tool github.com/cilium/ebpf/cmd/bpf2go
