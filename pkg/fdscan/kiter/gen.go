//go:build linux

package kiter

// The objects and their Go bindings are committed, so that building needs
// no clang; regen_test.go checks that they match the sources.
//go:generate go tool bpf2go -cc clang -strip llvm-strip -cflags "-O2 -g -Wall -Werror" -target bpfel,bpfeb -type record -type file_id -type vma_record -type task_record kiter bpf/kiter.c -- -I./bpf
