// SPDX-License-Identifier: (MIT OR GPL-2.0-only)
//
// kiter.c: a BPF iterator over every open file of every process, in one
// pass through the kernel's task and file tables. The Go side (iter.go)
// attaches a program, reads the iterator's seq file and decodes the
// records written here; record.go mirrors struct record.
//
// Compiled by bpf2go (gen.go) against the committed vmlinux.h, with
// CO-RE relocations, so one object loads on every kernel with BTF.

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

// bpf_d_path and bpf_seq_write are GPL-only helpers: the license must be
// GPL-compatible for the verifier to let the program call them.
char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define PATH_LEN 4096
#define O_CLOEXEC_FLAG 02000000

// One record per open file, followed by path_len bytes of path (no NUL).
// Fields are raw kernel values: dev and rdev are the kernel's encoding
// (major << 20 | minor), converted to userspace dev_t in Go.
struct record {
	__u64 ino;
	__s64 size;
	__s64 pos;
	__u32 pid;
	__u32 fd;
	__u32 dev;
	__u32 rdev;
	__u32 flags;
	__u32 nlink;
	__s32 mnt_id;
	__u16 mode;
	__u16 path_len;
	__s16 path_err;  // bpf_d_path's error when path_len is 0, else 0
	__u16 name_kind; // NAME_*: where the path is
	__u32 name_id;   // with NAME_NEW and NAME_SAME: the path's number in this walk
	__u32 tid;       // the task whose table it is: pid, or a thread with a table of its own
	__u32 pidfd;     // a pidfd's live process, as fdinfo's Pid says it; 0 to read fdinfo
};

// Where a record's path is. Most open files share their path with
// others (a log every worker holds, a directory, /dev/null), and each
// file's path costs bpf_d_path a walk of its dentries: the first record
// of a path in a walk carries it with a number, the next ones the number
// only. Sockets and pipes have a name made of their inode number, as
// their file systems' d_dname makes it; the reader makes it too.
enum name_kind {
	NAME_PATH = 0,   // the path follows (or path_err says why not)
	NAME_NEW = 1,    // the path follows and is number name_id
	NAME_SAME = 2,   // the path of number name_id, given earlier
	NAME_SOCKET = 3, // "socket:[ino]"
	NAME_PIPE = 4,   // "pipe:[ino]"
};

#define SOCKFS_MAGIC 0x534F434B
#define PIPEFS_MAGIC 0x50495045

// A path, by what d_path reads: the dentry, the mount and, against a
// freed dentry's memory serving another file, the inode.
struct name_key {
	__u64 dentry;
	__u64 mnt;
	__u64 ino;
};

// The path numbers of this walk. The loader sets its size; a path that
// finds no room, or is evicted, just comes in full again. Entries of an
// earlier walk are told apart by their walk.
struct name_val {
	__u32 walk;
	__u32 id;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct name_key);
	__type(value, struct name_val);
} names SEC(".maps");

// The walk's number and the next path number: one walk reads this map
// at a time (Iter.Files serialises them), and its first call starts a
// new walk.
struct name_state {
	__u32 walk;
	__u32 next;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct name_state);
} name_state SEC(".maps");

// A file wanted by a search: the kernel's dev_t and the inode number.
struct file_id {
	__u32 dev;
	__u32 _pad;
	__u64 ino;
};

// The record is assembled here: bpf_d_path needs a buffer larger than the
// 512-byte stack, and one seq write of header and path together keeps a
// record whole in the stream.
struct scratch {
	struct record rec;
	char path[PATH_LEN];
	// What the last record's task gave, for the next records of it: its
	// PID in the reader's namespace, and a word of its close-on-exec
	// bits. A task is told by its address and its PID as the kernel
	// numbers it, against a task freed meanwhile and another at its
	// address.
	__u64 task;
	__u32 raw_pid;
	__u32 pid;
	__u32 tid;
	__u32 _pad;
	__u64 coe_table; // the fd table, and the word's index in it
	__u64 coe_index;
	__u64 coe_word;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

// The files a search wants; its size is set by the loader.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct file_id);
	__type(value, __u8);
} wanted SEC(".maps");

// The file systems a search wants every file of, by the kernel's dev_t;
// its size is set by the loader.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8);
} wanted_dev SEC(".maps");

// The file systems whose inodes hold what stat reports of their files, by
// magic number (kiter.Plain, filled in by the loader). A search reports
// every file of any other whatever its inode, for the reader to stat:
// overlayfs reports a layer's device, btrfs a subvolume's, proc and sysfs
// make up sizes, a network file system asks its server, and a stat that
// fails is an error the reader reports.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8);
} plain SEC(".maps");

static __always_inline bool wanted_file(struct inode *inode, __u32 dev, __u64 ino)
{
	struct file_id id = {.dev = dev, .ino = ino};
	if (bpf_map_lookup_elem(&wanted, &id) || bpf_map_lookup_elem(&wanted_dev, &dev))
		return true;
	__u32 magic = inode->i_sb->s_magic;
	return !bpf_map_lookup_elem(&plain, &magic);
}

// The number of pid in the reader's PID namespace, as pid_nr_ns gives
// it, 0 where it has none there. The reader is the task whose read(2)
// runs this program; its namespace's level is its own PID's (NSpid in
// /proc cannot tell it: it starts at the level of the proc mount's
// namespace).
static __always_inline __u32 reader_nr(struct pid *pid)
{
	// The verifier checks each load of a pointer from a trusted one
	// (the current task's) against the kernel's lists of trusted
	// fields, by name, in a linear search of the kernel's BTF, on each
	// path it explores: through bpf_probe_read_kernel it has nothing to
	// check. This function is inlined in every program, on many paths.
	struct task_struct *reader = bpf_get_current_task_btf();
	struct pid *rp = BPF_CORE_READ(reader, thread_pid);
	if (!rp || !pid)
		return 0;
	__u32 level = BPF_CORE_READ(rp, level);
	if (BPF_CORE_READ(pid, level) < level)
		return 0;
	struct upid mine = {}, up = {};
	__u32 off = level * bpf_core_type_size(struct upid);
	bpf_probe_read_kernel(&mine, sizeof(mine), (void *)&rp->numbers[0] + off);
	bpf_probe_read_kernel(&up, sizeof(up), (void *)&pid->numbers[0] + off);
	if (up.ns != mine.ns || up.nr <= 0)
		return 0;
	return up.nr;
}

// The iterator walks the tasks of the reader's PID namespace: number them
// as that namespace does, as its /proc does. False for a task that
// namespace cannot see.
static __always_inline bool reader_pid(struct task_struct *task, __u32 *nr)
{
	*nr = reader_nr(task->thread_pid);
	return *nr != 0;
}

#define PID_FS_MAGIC 0x50494446

// The process a pidfd (a pidfs file) refers to, as its fdinfo's Pid
// says it: only where that is a live process's group leader with a
// number in the reader's namespace, else 0 for the reader to read fdinfo
// (a process gone, a thread's pidfd, one outside the namespace). Kernels
// have kept the struct pid in the inode's i_private and in the file's
// private_data: the one whose stashed dentry is the file's is it.
static __always_inline __u32 pidfd_target(struct file *file, struct inode *inode)
{
	if (!bpf_core_field_exists(struct pid, stashed))
		return 0;
	struct dentry *dentry = file->f_path.dentry;
	struct pid *pid = inode->i_private;
	if (!pid || BPF_CORE_READ(pid, stashed) != dentry) {
		pid = file->private_data;
		if (!pid || BPF_CORE_READ(pid, stashed) != dentry)
			return 0;
	}
	struct hlist_node *task = NULL, *leader = NULL;
	bpf_core_read(&task, sizeof(task), &pid->tasks[PIDTYPE_PID].first);
	bpf_core_read(&leader, sizeof(leader), &pid->tasks[PIDTYPE_TGID].first);
	if (!task || !leader)
		return 0;
	return reader_nr(pid);
}

static __always_inline int emit(struct bpf_iter__task_file *ctx, bool filter)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	__u32 zero = 0;

	struct name_state *st = bpf_map_lookup_elem(&name_state, &zero);
	if (!st)
		return 0;
	if (ctx->meta->seq_num == 0) {
		st->walk++;
		st->next = 0;
	}
	if (!task || !file)
		return 0;
	// The kernel skips threads sharing their leader's table: a thread
	// visited has one of its own, which /proc/PID/task/TID/fd shows,
	// and its records carry its TID.
	struct inode *inode = file->f_inode;
	if (!inode)
		return 0;
	__u32 dev = inode->i_sb->s_dev;
	__u64 ino = inode->i_ino;
	if (filter && !wanted_file(inode, dev, ino))
		return 0;

	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	struct record *r = &s->rec;

	if (s->task != (__u64)task || s->raw_pid != task->pid) {
		if (!reader_pid(task, &s->tid))
			return 0;
		s->pid = s->tid;
		if (task->pid != task->tgid && !reader_pid(task->group_leader, &s->pid))
			return 0;
		s->task = (__u64)task;
		s->raw_pid = task->pid;
		s->coe_table = 0;
	}
	r->pid = s->pid;
	r->tid = s->tid;
	__u32 fd = ctx->fd;
	r->fd = fd;
	r->dev = dev;
	r->ino = ino;
	r->rdev = inode->i_rdev;
	r->mode = inode->i_mode;
	r->size = inode->i_size;
	r->nlink = inode->i_nlink;
	r->pos = file->f_pos;

	// As /proc/PID/fdinfo shows it: the close-on-exec bit lives in the
	// descriptor table, not in the file.
	__u32 flags = file->f_flags;
	struct files_struct *files = task->files;
	if (files) {
		struct fdtable *fdt = files->fdt;
		unsigned long word = 0;
		if (fdt) {
			unsigned long *coe = fdt->close_on_exec;
			__u64 index = fd / (8 * sizeof(word));
			if (s->coe_table == (__u64)fdt && s->coe_index == index) {
				word = s->coe_word;
			} else {
				bpf_probe_read_kernel(&word, sizeof(word), coe + index);
				s->coe_table = (__u64)fdt;
				s->coe_index = index;
				s->coe_word = word;
			}
			if (word & (1UL << (fd % (8 * sizeof(word)))))
				flags |= O_CLOEXEC_FLAG;
		}
	}
	r->flags = flags;

	struct vfsmount *vm = file->f_path.mnt;
	struct mount *m = (void *)vm - bpf_core_field_offset(struct mount, mnt);
	r->mnt_id = BPF_CORE_READ(m, mnt_id);

	r->path_len = 0;
	r->path_err = 0;
	r->name_id = 0;
	__u32 magic = inode->i_sb->s_magic;
	r->pidfd = magic == PID_FS_MAGIC ? pidfd_target(file, inode) : 0;
	if (magic == SOCKFS_MAGIC || magic == PIPEFS_MAGIC) {
		r->name_kind = magic == SOCKFS_MAGIC ? NAME_SOCKET : NAME_PIPE;
		bpf_seq_write(seq, r, sizeof(*r));
		return 0;
	}
	struct name_key key = {
		.dentry = (__u64)file->f_path.dentry,
		.mnt = (__u64)vm,
		.ino = ino,
	};
	struct name_val *seen = bpf_map_lookup_elem(&names, &key);
	if (seen && seen->walk == st->walk) {
		r->name_kind = NAME_SAME;
		r->name_id = seen->id;
		bpf_seq_write(seq, r, sizeof(*r));
		return 0;
	}

	long n = bpf_d_path((struct path *)&file->f_path, s->path, sizeof(s->path));
	r->name_kind = NAME_PATH;
	if (n > 0) {
		r->path_len = n - 1; // n counts the NUL
		r->name_kind = NAME_NEW;
		r->name_id = st->next;
	} else {
		r->path_err = n;
	}

	// Bounded for the verifier by the record and its path, not the
	// whole scratch, whose caches follow the path.
	__u32 len = sizeof(s->rec) + r->path_len;
	if (len > sizeof(s->rec) + sizeof(s->path))
		len = sizeof(s->rec) + sizeof(s->path);
	// A write the seq buffer has no room for fails, and the kernel runs
	// the program again on this file for the next read: the path is
	// numbered only once written.
	if (bpf_seq_write(seq, s, len) || r->name_kind != NAME_NEW)
		return 0;
	struct name_val val = {.walk = st->walk, .id = st->next};
	bpf_map_update_elem(&names, &key, &val, BPF_ANY);
	st->next++;
	return 0;
}

// Every open file of every process.
SEC("iter/task_file")
int dump_files(struct bpf_iter__task_file *ctx)
{
	return emit(ctx, false);
}

// Only the open files whose (dev, ino) is in the wanted map, or whose
// dev is in wanted_dev, and those of file systems not in plain.
SEC("iter/task_file")
int dump_wanted(struct bpf_iter__task_file *ctx)
{
	return emit(ctx, true);
}

// One record per run of a process's mappings of one file (the maps'
// consecutive lines of a library are one). It has no path: bpf_d_path
// takes no vma->vm_file, a pointer the verifier does not trust. The
// dentry and mount pointers stand for it instead: two records with the
// same have the same path, which the reader learns once a walk from one
// process's /proc/PID/maps. dev is the kernel's encoding, as in struct
// record.
struct vma_record {
	__u64 ino;
	__u64 start; // the run's first mapping, as map_files names it
	__u64 end;
	__u64 dentry;
	__u64 mnt;
	__u32 pid;
	__u32 dev;
};

// For bpf2go, which makes the Go type from the object's BTF.
const struct vma_record *unused_vma_record __attribute__((unused));

// The file of the last record written, to leave out the next mappings of
// it, and the task of the last mapping with its number (reader_nr's probe
// reads, once a task rather than once a mapping): one walk reads this map
// at a time, and its first call clears it.
struct last_file {
	__u64 ino;
	__u32 pid;
	__u32 dev;
	__u64 task;
	__u32 raw_pid;  // the task's PID as the kernel numbers it: its memory may be another task's later in the walk
	__u32 task_pid; // as the reader's namespace numbers it, 0 where it cannot see it
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_file);
} last_vma SEC(".maps");

// Every file mapped into each process, in address order.
SEC("iter/task_vma")
int dump_maps(struct bpf_iter__task_vma *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;
	__u32 zero = 0;

	struct last_file *last = bpf_map_lookup_elem(&last_vma, &zero);
	if (!last)
		return 0;
	if (ctx->meta->seq_num == 0)
		__builtin_memset(last, 0, sizeof(*last));
	if (!task || !vma || task->pid != task->tgid)
		return 0;
	struct file *file = vma->vm_file;
	if (!file)
		return 0;
	struct inode *inode = file->f_inode;
	if (!inode)
		return 0;
	if (last->task != (__u64)task || last->raw_pid != task->pid) {
		last->task = (__u64)task;
		last->raw_pid = task->pid;
		reader_pid(task, &last->task_pid);
	}
	if (!last->task_pid)
		return 0;
	struct vma_record r = {};
	r.dev = inode->i_sb->s_dev;
	r.ino = inode->i_ino;
	r.pid = last->task_pid;
	if (last->pid == r.pid && last->ino == r.ino && last->dev == r.dev)
		return 0;
	r.start = vma->vm_start;
	r.end = vma->vm_end;
	r.dentry = (__u64)file->f_path.dentry;
	r.mnt = (__u64)file->f_path.mnt;
	// A write the seq buffer has no room for fails, and the kernel
	// runs the program again on this mapping for the next read: it is
	// the last written only once written.
	if (bpf_seq_write(seq, &r, sizeof(r)))
		return 0;
	last->pid = r.pid;
	last->ino = r.ino;
	last->dev = r.dev;
	return 0;
}

// A process's working directory, root or program file, as stat of its
// cwd, root or exe link reports it: the fields of struct record. ok is 0
// where the process has none (a kernel thread's program, a process
// exiting), and the reader stats the link.
struct task_path {
	__u64 ino;
	__s64 size;
	__u32 dev;
	__u32 rdev;
	__u32 nlink;
	__s32 mnt_id;
	__u16 mode;
	__u16 ok;
	__u32 _pad;
};

// One record per process. Its paths cannot come from here: bpf_d_path
// takes no path the verifier does not trust, and task->fs's are not;
// the reader reads the links.
struct task_record {
	__u32 pid;
	__u32 net_ns; // the inode of its network namespace, as ns/net names it; 0 where it has none
	struct task_path files[3]; // cwd, root, exe
};

// For bpf2go, which makes the Go type from the object's BTF.
const struct task_record *unused_task_record __attribute__((unused));

// Read through bpf_probe_read_kernel, as reader_nr reads: loads from the
// trusted task would cost the verifier a search of the kernel's BTF each.
// It runs once a process, where the probe reads cost little.
static __always_inline void task_path(struct task_path *tp, struct vfsmount *vm, struct dentry *dentry)
{
	if (!vm || !dentry)
		return;
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	if (!inode)
		return;
	tp->ino = BPF_CORE_READ(inode, i_ino);
	tp->size = BPF_CORE_READ(inode, i_size);
	tp->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	tp->rdev = BPF_CORE_READ(inode, i_rdev);
	tp->nlink = BPF_CORE_READ(inode, __i_nlink);
	tp->mode = BPF_CORE_READ(inode, i_mode);
	struct mount *m = (void *)vm - bpf_core_field_offset(struct mount, mnt);
	tp->mnt_id = BPF_CORE_READ(m, mnt_id);
	tp->ok = 1;
}

// Every process, its leader's working directory, root, program and
// network namespace: what proc's links of /proc/PID point to. The
// fields are read without the locks the kernel takes to change them, as
// a stat through proc would read them an instant later: a process that
// changes directory during the walk may show either.
SEC("iter/task")
int dump_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task)
		return 0;
	if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
		return 0;
	struct task_record r = {};
	r.pid = reader_nr(BPF_CORE_READ(task, thread_pid));
	if (!r.pid)
		return 0;
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	if (fs) {
		struct path pwd = BPF_CORE_READ(fs, pwd), root = BPF_CORE_READ(fs, root);
		task_path(&r.files[0], pwd.mnt, pwd.dentry);
		task_path(&r.files[1], root.mnt, root.dentry);
	}
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe) {
		struct path p = BPF_CORE_READ(exe, f_path);
		task_path(&r.files[2], p.mnt, p.dentry);
	}
	r.net_ns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
