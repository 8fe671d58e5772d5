//go:build linux

package kiter

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// Walk is one walk of the kernel's tables, running beside the workers
// of a scan (pkg/fdscan's) that read processes in PID order. It groups
// the records (R: Record or Mapping) by process, in PID order as the
// kernel gives them, and hands each process's to the worker that reads
// the process; it holds no more than a bounded number of records ahead
// of them. The records of a thread with a descriptor table of its own
// come at its TID, and are held apart for TakeTask.
type Walk[R any] struct {
	// Start is when the walk started, in clock ticks after boot as
	// stat's starttime: a process started since may have been passed
	// over, and its descriptors are read from proc.
	Start uint64
	limit int // the most records held at once, beyond one process's
	want  []int

	// spare holds record slices the workers are done with, for the
	// walk to fill again: a listing's records are allocated once.
	spare chan []R

	mu      sync.Mutex
	cond    sync.Cond
	batches map[int][]R
	held    int // the records in batches
	// tasks holds the records of threads with a table of their own, by
	// TID: a worker takes them without waiting, or reads proc, so they
	// hold the walk up for no worker; taskHeld counts them, at most
	// limit, and tasksLost says some were let go for want of room.
	tasks     map[int][]R
	taskHeld  int
	tasksLost bool
	// given holds the processes and threads whose records were taken:
	// given once, a PID asked for again (pids may repeat one) is read
	// from proc, not taken for one without descriptors.
	given  map[int]bool
	walked int  // every task up to this TID has its records, if any, in batches or tasks
	done   bool // the walk ended, cleanly or not
	stop   bool // the scan ended: the walk is to stop
	exited chan struct{}
}

// A Table is what a Walk reads: the kernel's tables, through a loaded
// Iter, or a stand-in for them (package fdscantest's, made from a fixture
// proc tree).
type Table interface {
	// Files calls fn with each open file, as Iter.Files does: task by
	// task in TID order (a process's table at its PID, a thread's own
	// at its TID) and descriptor by descriptor in order, until fn
	// returns an error, which Files then returns.
	Files(fn func(Record) error) error
	// Maps calls fn with each mapped file, as Iter.Maps does, or fails
	// at once where the table has no mappings.
	Maps(fn func(Mapping) error) error
	// Tasks calls fn with each process, as Iter.Tasks does, or fails at
	// once where the table has no processes.
	Tasks(fn func(Task) error) error
	// Close releases the table.
	Close() error
}

// errWalkStopped stops a walk whose scan ended.
var errWalkStopped = errors.New("walk stopped")

// StartWalk starts a walk of t's open files for the processes pids,
// holding at most limit records (beyond one process's) that no worker
// has taken.
func StartWalk(t Table, pids []int, limit int) *Walk[Record] {
	return startWalk(t.Files, func(r Record) (int, int) { return r.TID, r.PID }, pids, limit)
}

// StartMapsWalk starts a walk of t's mapped files for the processes
// pids, as StartWalk does of the open ones.
func StartMapsWalk(t Table, pids []int, limit int) *Walk[Mapping] {
	return startWalk(t.Maps, func(m Mapping) (int, int) { return m.PID, m.PID }, pids, limit)
}

// startWalk starts a walk of the records each gives, in the order of
// their tasks: taskOf gives a record's task and process, the same but
// for a thread with a table of its own.
func startWalk[R any](each func(func(R) error) error, taskOf func(R) (tid, pid int), pids []int, limit int) *Walk[R] {
	if !slices.IsSorted(pids) {
		// Workers take processes in the order of pids, and the walk
		// runs in PID order: it must not wait for them.
		limit = math.MaxInt
	}
	w := &Walk[R]{Start: bootTicks(), limit: limit, batches: map[int][]R{}, tasks: map[int][]R{}, given: map[int]bool{}, walked: -1,
		want: slices.Sorted(slices.Values(pids)), exited: make(chan struct{}), spare: make(chan []R, 256)}
	w.cond.L = &w.mu
	go w.run(each, taskOf)
	return w
}

// bootTicks is the time since boot in clock ticks (USER_HZ, 100 a
// second), as stat's starttime counts.
func bootTicks() uint64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts) != nil {
		return 0
	}
	return uint64(ts.Sec)*100 + uint64(ts.Nsec)/10_000_000
}

func (w *Walk[R]) run(each func(func(R) error) error, taskOf func(R) (int, int)) {
	defer close(w.exited)
	var batch []R
	tid, pid := -1, -1
	err := each(func(r R) error {
		if t, p := taskOf(r); t != tid {
			if t < tid {
				return fmt.Errorf("kiter: task %d after %d", t, tid)
			}
			if err := w.finish(tid, pid, batch, t-1); err != nil {
				return err
			}
			tid, pid, batch = t, p, nil
			select {
			case batch = <-w.spare:
			default:
			}
		}
		if _, wanted := slices.BinarySearch(w.want, pid); wanted {
			batch = append(batch, r)
		}
		return nil
	})
	if err == nil {
		// The last task's records are complete too. The walk ends
		// either way: the error says only that the scan stopped it.
		_ = w.finish(tid, pid, batch, math.MaxInt)
	}
	// A walk that failed leaves its last process without records: it
	// is read from proc, as are those the walk did not reach.
	w.mu.Lock()
	w.done = true
	w.cond.Broadcast()
	w.mu.Unlock()
}

// finish hands over the records of task tid of process pid and says
// that every task up to walked has its own, then waits while too many
// are held.
func (w *Walk[R]) finish(tid, pid int, batch []R, walked int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case len(batch) == 0:
	case tid == pid:
		w.batches[pid] = batch
		w.held += len(batch)
	case w.taskHeld+len(batch) <= w.limit:
		w.tasks[tid] = batch
		w.taskHeld += len(batch)
	default:
		w.tasksLost = true
	}
	w.walked = walked
	w.cond.Broadcast()
	for w.held > w.limit && len(w.batches) > 1 && !w.stop {
		w.cond.Wait()
	}
	if w.stop {
		return errWalkStopped
	}
	return nil
}

// Take returns the records of process pid once the walk has passed it:
// none where it had no descriptor (or none a search wants), or started
// after the walk passed. It reports false where the walk failed before
// it, or its records were taken already, and proc is to be read instead.
func (w *Walk[R]) Take(pid int) ([]R, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for !w.done && w.walked < pid {
		w.cond.Wait()
	}
	if w.given[pid] {
		return nil, false
	}
	b, ok := w.batches[pid]
	if ok {
		delete(w.batches, pid)
		w.given[pid] = true
		w.held -= len(b)
		w.cond.Broadcast()
	}
	return b, ok || w.walked >= pid
}

// TakeTask returns the records of thread tid, which has a descriptor
// table of its own, where the walk has passed it, without waiting for
// it. None, and true, says the kernel gave none of it: the thread shares
// its process's table, or its own is empty. It reports false where the
// walk did not reach it (yet), let its records go or gave them already:
// proc is to be read instead.
func (w *Walk[R]) TakeTask(tid int) ([]R, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.walked < tid || w.given[tid] {
		return nil, false
	}
	if b, ok := w.tasks[tid]; ok {
		delete(w.tasks, tid)
		w.given[tid] = true
		w.taskHeld -= len(b)
		return b, true
	}
	return nil, !w.tasksLost
}

// GiveBack makes the records of a process, once read, the walk's to
// fill again.
func (w *Walk[R]) GiveBack(recs []R) {
	if cap(recs) == 0 {
		return
	}
	clear(recs)
	select {
	case w.spare <- recs[:0]:
	default:
	}
}

// End stops the walk, if it is still going, and waits for it.
func (w *Walk[R]) End() {
	w.mu.Lock()
	w.stop = true
	w.cond.Broadcast()
	w.mu.Unlock()
	<-w.exited
}
