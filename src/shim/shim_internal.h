/* SPDX-License-Identifier: MIT */
/*
 * Internal interfaces of the shim (libgpuvm-shim.so), shared by its files:
 *
 *   real.c    the libc functions the shim stands in front of
 *   fs.c      paths: the device nodes, the fake sysfs tree, refusals
 *   fds.c     file descriptors of the nodes and their files
 *   maps.c    CPU mappings of BOs
 *   trace.c   the trace of the device's calls (--trace=FILE)
 *   entry.c   the exported wrappers
 *
 * Every wrapper first checks shim_busy(): code of the shim itself (and of
 * gpuvm under it) calls libc too, and those calls go straight to libc.
 */
#ifndef GPUVM_SHIM_INTERNAL_H
#define GPUVM_SHIM_INTERNAL_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "gpuvm/uapi.h"

#define SHIM_DRM_MAJOR 226

/* ------------------------------------------------------------------ */
/* real.c                                                              */

struct stat64;
struct statx;

struct shim_real {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	FILE *(*fopen)(const char *, const char *);
	DIR *(*opendir)(const char *);
	struct dirent *(*readdir)(DIR *);
	struct dirent64 *(*readdir64)(DIR *);
	int (*stat)(const char *, struct stat *);
	int (*lstat)(const char *, struct stat *);
	int (*fstat)(int, struct stat *);
	int (*fstatat)(int, const char *, struct stat *, int);
	int (*statx)(int, const char *, int, unsigned int, struct statx *);
	int (*access)(const char *, int);
	int (*faccessat)(int, const char *, int, int);
	ssize_t (*readlink)(const char *, char *, size_t);
	ssize_t (*readlinkat)(int, const char *, char *, size_t);
	char *(*realpath)(const char *, char *);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*munmap)(void *, size_t);
	int (*mprotect)(void *, size_t, int);
	void *(*mremap)(void *, size_t, size_t, int, ...);
	int (*mount)(const char *, const char *, const char *, unsigned long,
		     const void *);
	int (*umount2)(const char *, int);
};

extern struct shim_real shim_real;
void shim_real_init(void);

/* The calling thread is inside the shim: libc calls go straight through. */
bool shim_busy(void);
void shim_enter(void);
void shim_leave(void);

/* ------------------------------------------------------------------ */
/* fs.c                                                                */

enum shim_path_kind {
	SHIM_PATH_OTHER,       /* not the shim's business */
	SHIM_PATH_NODE,        /* /dev/dri/card0 or renderD128 */
	SHIM_PATH_MISSING,     /* another /dev/dri or 226:N entry: ENOENT */
	SHIM_PATH_REDIRECT,    /* served from the fake tree: see out */
	SHIM_PATH_REFUSED,     /* a write the shim refuses: EACCES */
};

/*
 * What a path is. For SHIM_PATH_NODE, *minor is the node; for
 * SHIM_PATH_REDIRECT, out (PATH_MAX bytes) gets the fake tree's path.
 * writing: the path is opened for writing (refusals apply only then).
 */
enum shim_path_kind shim_path(const char *path, bool writing, int *minor,
			      char *out);
/* The stat of a node, for stat, fstat and statx. */
void shim_node_stat(int minor, struct stat *st);
const char *shim_node_path(int minor);
/* A directory stream of the fake /dev/dri: entries typed as devices. */
bool shim_fake_dir(DIR *d);
void shim_fake_dir_opened(DIR *d);
void shim_fake_dir_closed(DIR *d);
/* /proc/self/fd/N (and the like): N, or -1. */
int shim_proc_fd(const char *path);

/* ------------------------------------------------------------------ */
/* fds.c                                                               */

struct shim_file;

/* Opens a node: a new fd, or -1 with errno. */
int shim_open_node(int minor, int flags);
/* The file behind fd, held (shim_file_put), or NULL. */
struct shim_file *shim_file_get(int fd);
void shim_file_put(struct shim_file *sf);
struct gpuvm_uapi_file *shim_file_uapi(struct shim_file *sf);
int shim_file_minor(const struct shim_file *sf);
int shim_file_id(const struct shim_file *sf);
bool shim_is_node_fd(int fd);
int shim_fd_minor(int fd);
/* fd was closed, or newfd now refers to what oldfd does. */
void shim_fd_closed(int fd);
void shim_fd_copied(int oldfd, int newfd);
struct gpuvm_uapi_device *shim_device(void);

/* ------------------------------------------------------------------ */
/* maps.c                                                              */

void *shim_mmap_node(void *addr, size_t len, int prot, int flags, int fd,
		     off_t off);
/* The range [addr, addr + len) is no longer what it was. */
void shim_unmapped(void *addr, size_t len);
void shim_protected(void *addr, size_t len, int prot);
bool shim_touches_map(void *addr, size_t len);

/* ------------------------------------------------------------------ */
/* trace.c                                                             */

/* Opens the trace file and sets cfg's observers: 0 or -errno. */
int shim_trace_start(const char *path, struct gpuvm_uapi_device_cfg *cfg);

#endif /* GPUVM_SHIM_INTERNAL_H */
