// SPDX-License-Identifier: MIT
/*
 * DOC: file descriptors of the device nodes
 *
 * Each open of a node is a real file descriptor, a memfd (so it counts
 * against the process's limits, survives dup and fork like any fd, and
 * close-on-exec behaves), with its own gpuvm file context. A table
 * indexed by fd number maps the node's fds to their files; dup, dup2,
 * dup3 and fcntl(F_DUPFD*) make another fd of the same file, as they do
 * of the same struct file in the kernel, and the last close of a file
 * closes its context. Calls on a file hold it, so a close racing with an
 * ioctl in another thread closes the context after the ioctl.
 *
 * One device per process, made at the first open of a node and
 * configured from the environment `gpuvm shim` sets (GPUVM_SHIM_SPARSE,
 * GPUVM_SHIM_RAM, GPUVM_SHIM_TRACE). After fork the child does not share
 * it: the parent's device lives in the parent's memory. Inherited node
 * fds answer every ioctl and mmap with -ENODEV in the child (an unplugged
 * device), and a new open in the child makes a device of its own. CPU
 * mappings made before the fork stay shared, as MAP_SHARED mappings are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shim/shim_internal.h"

struct shim_file {
	struct gpuvm_uapi_file *file;
	int minor;
	int id;                    /* open order, for the trace */
	unsigned int refs;         /* fds and calls in progress */
	bool lost;                 /* the device is the parent's */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct shim_file **table;
static int ntable;
static struct gpuvm_uapi_device *dev;
static int next_id;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* ------------------------------------------------------------------ */
/* Fork                                                                */

/* In the child: the device and every inherited file are the parent's. */
static void after_fork_child(void)
{
	int fd;

	pthread_mutex_init(&lock, NULL);
	dev = NULL;
	for (fd = 0; fd < ntable; fd++)
		if (table[fd])
			table[fd]->lost = true;
}

static void watch_fork(void)
{
	pthread_atfork(NULL, NULL, after_fork_child);
}

/* ------------------------------------------------------------------ */
/* The device                                                          */

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'K': return v << 10;
	case 'M': return v << 20;
	case 'G': return v << 30;
	case 'T': return v << 40;
	default: return v;
	}
}

static int make_device(void)
{
	struct gpuvm_uapi_device_cfg cfg = { 0 };
	const char *sparse = getenv("GPUVM_SHIM_SPARSE");
	const char *ram = getenv("GPUVM_SHIM_RAM");
	const char *trace = getenv("GPUVM_SHIM_TRACE");

	if (sparse && !strcmp(sparse, "null"))
		cfg.drv.sparse = GPUVM_DRV_SPARSE_NULL;
	if (ram)
		cfg.drv.ram = parse_size(ram);
	if (trace && trace[0]) {
		int ret = shim_trace_start(trace, &cfg);

		if (ret)
			return ret;
	}
	return gpuvm_uapi_device_create(&cfg, &dev);
}

struct gpuvm_uapi_device *shim_device(void)
{
	return dev;
}

/* ------------------------------------------------------------------ */
/* The table                                                           */

static int table_grow(int fd)
{
	struct shim_file **t;
	int n = ntable ? ntable : 64;

	while (n <= fd)
		n *= 2;
	t = realloc(table, (size_t)n * sizeof(*t));
	if (!t)
		return -ENOMEM;
	memset(t + ntable, 0, (size_t)(n - ntable) * sizeof(*t));
	table = t;
	ntable = n;
	return 0;
}

int shim_open_node(int minor, int flags)
{
	struct gpuvm_uapi_file *f = NULL;
	struct shim_file *sf;
	int fd, ret;

	pthread_once(&fork_once, watch_fork);
	shim_enter();
	fd = memfd_create(minor ? "gpuvm-renderD128" : "gpuvm-card0",
			  flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
	if (fd < 0) {
		shim_leave();
		return -1;
	}
	sf = calloc(1, sizeof(*sf));
	pthread_mutex_lock(&lock);
	ret = sf ? 0 : -ENOMEM;
	if (!ret && !dev)
		ret = make_device();
	if (!ret)
		ret = gpuvm_uapi_open(dev, minor ? GPUVM_UAPI_RENDER
						 : GPUVM_UAPI_PRIMARY, &f);
	if (!ret && fd >= ntable)
		ret = table_grow(fd);
	if (!ret) {
		sf->file = f;
		sf->minor = minor;
		sf->refs = 1;
		sf->id = ++next_id;
		table[fd] = sf;
	}
	pthread_mutex_unlock(&lock);
	if (ret) {
		if (f)
			gpuvm_uapi_close(f);
		free(sf);
		shim_real.close(fd);
		shim_leave();
		errno = -ret;
		return -1;
	}
	shim_leave();
	return fd;
}

struct shim_file *shim_file_get(int fd)
{
	struct shim_file *sf = NULL;

	if (fd < 0)
		return NULL;
	pthread_mutex_lock(&lock);
	if (fd < ntable && (sf = table[fd]))
		sf->refs++;
	pthread_mutex_unlock(&lock);
	return sf;
}

void shim_file_put(struct shim_file *sf)
{
	bool last;

	pthread_mutex_lock(&lock);
	last = !--sf->refs;
	pthread_mutex_unlock(&lock);
	if (!last)
		return;
	shim_enter();
	/* A lost file's context is the parent's: never touched here. */
	if (!sf->lost)
		gpuvm_uapi_close(sf->file);
	free(sf);
	shim_leave();
}

/* The file's context, or NULL if the device is not this process's. */
struct gpuvm_uapi_file *shim_file_uapi(struct shim_file *sf)
{
	return sf->lost ? NULL : sf->file;
}

int shim_file_minor(const struct shim_file *sf)
{
	return sf->minor;
}

int shim_file_id(const struct shim_file *sf)
{
	return sf->id;
}

bool shim_is_node_fd(int fd)
{
	bool ours;

	if (fd < 0)
		return false;
	pthread_mutex_lock(&lock);
	ours = fd < ntable && table[fd];
	pthread_mutex_unlock(&lock);
	return ours;
}

int shim_fd_minor(int fd)
{
	struct shim_file *sf = shim_file_get(fd);
	int minor = sf ? sf->minor : -1;

	if (sf)
		shim_file_put(sf);
	return minor;
}

void shim_fd_closed(int fd)
{
	struct shim_file *sf = NULL;

	if (fd < 0)
		return;
	pthread_mutex_lock(&lock);
	if (fd < ntable) {
		sf = table[fd];
		table[fd] = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (sf)
		shim_file_put(sf);
}

/* newfd refers to oldfd's open file now (dup and friends). */
void shim_fd_copied(int oldfd, int newfd)
{
	struct shim_file *sf, *gone = NULL;

	if (oldfd < 0 || newfd < 0 || oldfd == newfd)
		return;
	pthread_mutex_lock(&lock);
	sf = oldfd < ntable ? table[oldfd] : NULL;
	if (newfd < ntable) {
		gone = table[newfd];
		table[newfd] = NULL;
	}
	if (sf && (newfd < ntable || !table_grow(newfd))) {
		sf->refs++;
		table[newfd] = sf;
	}
	pthread_mutex_unlock(&lock);
	if (gone)
		shim_file_put(gone);
}
