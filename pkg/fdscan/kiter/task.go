//go:build linux

package kiter

import (
	"cmp"
	"encoding/binary"
	"errors"
	"slices"
	"unsafe"
)

// Task is a process as the kernel holds it: what stat of its cwd, root
// and exe links would report, and its network namespace. The links'
// paths are not in it (the program cannot make them), nor is anything
// of its threads.
type Task struct {
	PID   int    // numbered as the reader's PID namespace numbers it
	NetNS uint64 // the inode of its network namespace, as ns/net names it; 0 where it has none
	// Files are its working directory, root and program file, indexed
	// by TaskCWD, TaskRoot and TaskExe.
	Files [3]TaskFile
}

// The files of a Task, in Task.Files.
const (
	TaskCWD = iota
	TaskRoot
	TaskExe
)

// TaskFile is a working directory, root or program file of a Task, with
// the fields of a Record. Where OK is false the kernel did not say (a
// kernel thread has no program; an exiting process no directories).
type TaskFile struct {
	Dev, Ino, Rdev uint64
	Size           int64
	Mode, Nlink    uint32
	MountID        int
	OK             bool
}

// taskRecordSize is the length of struct task_record in bpf/kiter.c.
const taskRecordSize = int(unsafe.Sizeof(kiterTaskRecord{}))

// taskPathSize is the length of struct task_path, three of which end a
// task_record.
const taskPathSize = int(unsafe.Sizeof(kiterTaskRecord{}.Files[0]))

// decodeTask fills t from one task_record in b, which holds at least
// taskRecordSize bytes; no path follows.
func decodeTask(b []byte, t *Task) (pathLen int) {
	e := binary.NativeEndian
	t.PID = int(e.Uint32(b[0:]))
	t.NetNS = uint64(e.Uint32(b[4:]))
	for i := range t.Files {
		p := b[8+i*taskPathSize:]
		t.Files[i] = TaskFile{
			Ino:     e.Uint64(p[0:]),
			Size:    int64(e.Uint64(p[8:])),
			Dev:     userDev(e.Uint32(p[16:])),
			Rdev:    userDev(e.Uint32(p[20:])),
			Nlink:   e.Uint32(p[24:]),
			MountID: int(int32(e.Uint32(p[28:]))),
			Mode:    uint32(e.Uint16(p[32:])),
			OK:      e.Uint16(p[34:]) != 0,
		}
	}
	return 0
}

// ErrNoTasks is Tasks's error where the processes' program did not load.
var ErrNoTasks = errors.New("kiter: this kernel does not report processes")

// Tasks walks the kernel's processes once and calls fn with each, in PID
// order, until fn returns an error, which Tasks then returns. A walk
// reads no file system: a process whose directory is on a stalled one
// costs what any other does.
func (it *Iter) Tasks(fn func(Task) error) error {
	if it.taskLink == nil {
		return ErrNoTasks
	}
	rc, err := it.taskLink.Open()
	if err != nil {
		return &Error{"open iterator", err}
	}
	defer rc.Close()
	var t Task
	return decodeStream(filesReader(rc), taskRecordSize, func(b []byte) int { return decodeTask(b, &t) },
		func([]byte) error { return fn(t) })
}

// TaskWalk is one walk of the kernel's processes, running beside the
// workers of a scan, which ask it for the process each reads.
type TaskWalk struct {
	// Start is when the walk started, as Walk.Start: a process started
	// since may have taken the PID of one the walk saw.
	Start uint64
	ready chan struct{}
	tasks []Task // in PID order
	err   error
}

// StartTaskWalk starts a walk of t's processes.
func StartTaskWalk(t Table) *TaskWalk {
	w := &TaskWalk{Start: bootTicks(), ready: make(chan struct{})}
	go func() {
		defer close(w.ready)
		w.err = t.Tasks(func(task Task) error {
			w.tasks = append(w.tasks, task)
			return nil
		})
	}()
	return w
}

// Of returns the walk's record of process pid, once the walk is done, or
// nil where it did not see pid or failed.
func (w *TaskWalk) Of(pid int) *Task {
	<-w.ready
	if w.err != nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(w.tasks, pid, func(t Task, pid int) int { return cmp.Compare(t.PID, pid) })
	if !ok {
		return nil
	}
	return &w.tasks[i]
}
