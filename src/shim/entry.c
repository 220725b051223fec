// SPDX-License-Identifier: MIT
/*
 * DOC: the libc functions the shim stands in front of
 *
 * These are the only symbols libgpuvm-shim.so exports (shim.map). Each
 * one passes through to libc unless its path or fd is the shim's:
 *
 *   paths   open, open64, openat, openat64, __open_2, __open64_2,
 *           __openat_2, __openat64_2, creat, creat64, fopen, fopen64,
 *           opendir, stat, stat64, lstat, lstat64, fstatat, fstatat64,
 *           statx, access, faccessat, readlink, readlinkat, realpath
 *   dirs    readdir, readdir64, closedir (the fake /dev/dri)
 *   fds     fstat, fstat64, close, close_range, dup, dup2, dup3, fcntl,
 *           fcntl64 (F_DUPFD, F_DUPFD_CLOEXEC), ioctl
 *   memory  mmap, mmap64, munmap, mprotect, mremap
 *   host    mount, umount, umount2: always -EPERM
 *
 * Both the 64-bit names (what programs built with
 * _FILE_OFFSET_BITS=64, IGT among them, call) and the plain ones are
 * covered; on 64-bit Linux they are the same functions. An ioctl
 * request is truncated to 32 bits, as the kernel's ioctl(2) does (DRM
 * request numbers passed as negative ints arrive sign-extended).
 */
/*
 * The plain and the 64-bit names are both defined here, so the headers
 * must not turn one into the other (the build sets _FILE_OFFSET_BITS).
 */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim/shim_internal.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

static bool writing(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY ||
	       (flags & (O_CREAT | O_TRUNC | O_APPEND));
}

static int fail(int err)
{
	errno = err;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	char buf[PATH_MAX];
	int minor = 0;

	switch (shim_path(path, writing(flags), &minor, buf)) {
	case SHIM_PATH_NODE:
		return shim_open_node(minor, flags);
	case SHIM_PATH_MISSING:
		return fail(ENOENT);
	case SHIM_PATH_REDIRECT:
		if (writing(flags))
			return fail(EACCES);
		return shim_real.openat(dirfd, buf, flags, mode);
	case SHIM_PATH_REFUSED:
		return fail(EACCES);
	default:
		return shim_real.openat(dirfd, path, flags, mode);
	}
}

static mode_t mode_arg(int flags, va_list ap)
{
	return flags & (O_CREAT | O_TMPFILE) ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_WRAPPER(name)                                           \
	SHIM_EXPORT int name(const char *path, int flags, ...);      \
	int name(const char *path, int flags, ...)                   \
	{                                                            \
		va_list ap;                                          \
		mode_t mode;                                         \
		va_start(ap, flags);                                 \
		mode = mode_arg(flags, ap);                          \
		va_end(ap);                                          \
		if (shim_busy())                                     \
			return shim_real.open(path, flags, mode);    \
		return do_openat(AT_FDCWD, path, flags, mode);       \
	}

#define OPENAT_WRAPPER(name)                                         \
	SHIM_EXPORT int name(int dirfd, const char *path, int flags, ...); \
	int name(int dirfd, const char *path, int flags, ...)        \
	{                                                            \
		va_list ap;                                          \
		mode_t mode;                                         \
		va_start(ap, flags);                                 \
		mode = mode_arg(flags, ap);                          \
		va_end(ap);                                          \
		if (shim_busy())                                     \
			return shim_real.openat(dirfd, path, flags, mode); \
		return do_openat(dirfd, path, flags, mode);          \
	}

OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

/* The _FORTIFY_SOURCE entry points: no mode argument. */
#define OPEN2_WRAPPER(name)                                          \
	SHIM_EXPORT int name(const char *path, int flags);           \
	int name(const char *path, int flags)                        \
	{                                                            \
		if (shim_busy())                                     \
			return shim_real.open(path, flags, 0);       \
		return do_openat(AT_FDCWD, path, flags, 0);          \
	}

#define OPENAT2_WRAPPER(name)                                        \
	SHIM_EXPORT int name(int dirfd, const char *path, int flags); \
	int name(int dirfd, const char *path, int flags)             \
	{                                                            \
		if (shim_busy())                                     \
			return shim_real.openat(dirfd, path, flags, 0); \
		return do_openat(dirfd, path, flags, 0);             \
	}

OPEN2_WRAPPER(__open_2)
OPEN2_WRAPPER(__open64_2)
OPENAT2_WRAPPER(__openat_2)
OPENAT2_WRAPPER(__openat64_2)

#define CREAT_WRAPPER(name)                                          \
	SHIM_EXPORT int name(const char *path, mode_t mode);         \
	int name(const char *path, mode_t mode)                      \
	{                                                            \
		int fl = O_CREAT | O_WRONLY | O_TRUNC;               \
		if (shim_busy())                                     \
			return shim_real.open(path, fl, mode);       \
		return do_openat(AT_FDCWD, path, fl, mode);          \
	}

CREAT_WRAPPER(creat)
CREAT_WRAPPER(creat64)

static FILE *do_fopen(const char *path, const char *mode)
{
	bool w = strpbrk(mode, "wa+") != NULL;
	char buf[PATH_MAX];
	int minor = 0, fd;
	FILE *fp;

	switch (shim_path(path, w, &minor, buf)) {
	case SHIM_PATH_NODE:
		fd = shim_open_node(minor, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return NULL;
		fp = fdopen(fd, mode);
		if (!fp)
			close(fd);
		return fp;
	case SHIM_PATH_MISSING:
		errno = ENOENT;
		return NULL;
	case SHIM_PATH_REDIRECT:
		if (w) {
			errno = EACCES;
			return NULL;
		}
		return shim_real.fopen(buf, mode);
	case SHIM_PATH_REFUSED:
		errno = EACCES;
		return NULL;
	default:
		return shim_real.fopen(path, mode);
	}
}

SHIM_EXPORT FILE *fopen(const char *path, const char *mode);
FILE *fopen(const char *path, const char *mode)
{
	return shim_busy() ? shim_real.fopen(path, mode) : do_fopen(path, mode);
}

SHIM_EXPORT FILE *fopen64(const char *path, const char *mode);
FILE *fopen64(const char *path, const char *mode)
{
	return fopen(path, mode);
}

/* ------------------------------------------------------------------ */
/* Directories                                                         */

SHIM_EXPORT DIR *opendir(const char *path);
DIR *opendir(const char *path)
{
	char buf[PATH_MAX];
	int minor = 0;
	DIR *d;

	if (shim_busy())
		return shim_real.opendir(path);
	switch (shim_path(path, false, &minor, buf)) {
	case SHIM_PATH_NODE:
		errno = ENOTDIR;
		return NULL;
	case SHIM_PATH_MISSING:
		errno = ENOENT;
		return NULL;
	case SHIM_PATH_REDIRECT:
		d = shim_real.opendir(buf);
		/* Only /dev/dri's entries need retyping. */
		if (d && !strncmp(path, "/dev/dri", 8))
			shim_fake_dir_opened(d);
		return d;
	default:
		return shim_real.opendir(path);
	}
}

static void retype(DIR *d, const char *name, unsigned char *type)
{
	if (!strcmp(name, "card0") || !strcmp(name, "renderD128")) {
		if (shim_fake_dir(d))
			*type = DT_CHR;
	}
}

SHIM_EXPORT struct dirent *readdir(DIR *d);
struct dirent *readdir(DIR *d)
{
	struct dirent *e = shim_real.readdir(d);

	if (e && !shim_busy())
		retype(d, e->d_name, &e->d_type);
	return e;
}

SHIM_EXPORT struct dirent64 *readdir64(DIR *d);
struct dirent64 *readdir64(DIR *d)
{
	struct dirent64 *e = shim_real.readdir64(d);

	if (e && !shim_busy())
		retype(d, e->d_name, &e->d_type);
	return e;
}

SHIM_EXPORT int closedir(DIR *d);
int closedir(DIR *d)
{
	static int (*real_closedir)(DIR *);

	if (!real_closedir)
		*(void **)&real_closedir = dlsym(RTLD_NEXT, "closedir");
	shim_fake_dir_closed(d);
	return real_closedir(d);
}

/* ------------------------------------------------------------------ */
/* Stat                                                                */

static int do_stat(const char *path, struct stat *st, bool follow)
{
	char buf[PATH_MAX];
	int minor = 0;

	switch (shim_path(path, false, &minor, buf)) {
	case SHIM_PATH_NODE:
		shim_node_stat(minor, st);
		return 0;
	case SHIM_PATH_MISSING:
		return fail(ENOENT);
	case SHIM_PATH_REDIRECT:
		path = buf;
		/* fall through */
	default:
		return follow ? shim_real.stat(path, st)
			      : shim_real.lstat(path, st);
	}
}

static int do_fstat(int fd, struct stat *st)
{
	int minor = shim_fd_minor(fd);

	if (minor < 0)
		return shim_real.fstat(fd, st);
	shim_node_stat(minor, st);
	return 0;
}

#define STAT_WRAPPER(name, type, follow)                             \
	SHIM_EXPORT int name(const char *path, struct type *st);     \
	int name(const char *path, struct type *st)                  \
	{                                                            \
		if (shim_busy())                                     \
			return follow ? shim_real.stat(path, (void *)st) \
				      : shim_real.lstat(path, (void *)st); \
		return do_stat(path, (struct stat *)st, follow);     \
	}

STAT_WRAPPER(stat, stat, true)
STAT_WRAPPER(stat64, stat64, true)
STAT_WRAPPER(lstat, stat, false)
STAT_WRAPPER(lstat64, stat64, false)

#define FSTAT_WRAPPER(name, type)                                    \
	SHIM_EXPORT int name(int fd, struct type *st);               \
	int name(int fd, struct type *st)                            \
	{                                                            \
		if (shim_busy())                                     \
			return shim_real.fstat(fd, (void *)st);      \
		return do_fstat(fd, (struct stat *)st);              \
	}

FSTAT_WRAPPER(fstat, stat)
FSTAT_WRAPPER(fstat64, stat64)

static int do_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if (path && !path[0] && (flags & AT_EMPTY_PATH))
		return do_fstat(dirfd, st);
	if (path && path[0] == '/')
		return do_stat(path, st, !(flags & AT_SYMLINK_NOFOLLOW));
	return shim_real.fstatat(dirfd, path, st, flags);
}

#define FSTATAT_WRAPPER(name, type)                                  \
	SHIM_EXPORT int name(int dirfd, const char *path, struct type *st, \
			     int flags);                             \
	int name(int dirfd, const char *path, struct type *st, int flags) \
	{                                                            \
		if (shim_busy())                                     \
			return shim_real.fstatat(dirfd, path, (void *)st, \
						 flags);             \
		return do_fstatat(dirfd, path, (struct stat *)st, flags); \
	}

FSTATAT_WRAPPER(fstatat, stat)
FSTATAT_WRAPPER(fstatat64, stat64)

static void node_statx(int minor, struct statx *sx)
{
	struct stat st;

	shim_node_stat(minor, &st);
	memset(sx, 0, sizeof(*sx));
	sx->stx_mask = STATX_BASIC_STATS;
	sx->stx_blksize = (uint32_t)st.st_blksize;
	sx->stx_nlink = (uint32_t)st.st_nlink;
	sx->stx_mode = (uint16_t)st.st_mode;
	sx->stx_ino = st.st_ino;
	sx->stx_atime.tv_sec = st.st_atim.tv_sec;
	sx->stx_mtime.tv_sec = st.st_mtim.tv_sec;
	sx->stx_ctime.tv_sec = st.st_ctim.tv_sec;
	sx->stx_rdev_major = major(st.st_rdev);
	sx->stx_rdev_minor = minor(st.st_rdev);
	sx->stx_dev_major = major(st.st_dev);
	sx->stx_dev_minor = minor(st.st_dev);
}

SHIM_EXPORT int statx(int dirfd, const char *path, int flags,
		      unsigned int mask, struct statx *sx);
int statx(int dirfd, const char *path, int flags, unsigned int mask,
	  struct statx *sx)
{
	char buf[PATH_MAX];
	int minor = 0;

	if (shim_busy())
		return shim_real.statx(dirfd, path, flags, mask, sx);
	if (!path[0] && (flags & AT_EMPTY_PATH)) {
		minor = shim_fd_minor(dirfd);
		if (minor < 0)
			return shim_real.statx(dirfd, path, flags, mask, sx);
		node_statx(minor, sx);
		return 0;
	}
	switch (shim_path(path, false, &minor, buf)) {
	case SHIM_PATH_NODE:
		node_statx(minor, sx);
		return 0;
	case SHIM_PATH_MISSING:
		return fail(ENOENT);
	case SHIM_PATH_REDIRECT:
		return shim_real.statx(dirfd, buf, flags, mask, sx);
	default:
		return shim_real.statx(dirfd, path, flags, mask, sx);
	}
}

static int do_access(int dirfd, const char *path, int mode, int flags)
{
	char buf[PATH_MAX];
	int minor = 0;

	switch (shim_path(path, false, &minor, buf)) {
	case SHIM_PATH_NODE:
		return 0;
	case SHIM_PATH_MISSING:
		return fail(ENOENT);
	case SHIM_PATH_REDIRECT:
		return shim_real.faccessat(dirfd, buf, mode, flags);
	default:
		return shim_real.faccessat(dirfd, path, mode, flags);
	}
}

SHIM_EXPORT int access(const char *path, int mode);
int access(const char *path, int mode)
{
	if (shim_busy())
		return shim_real.access(path, mode);
	return do_access(AT_FDCWD, path, mode, 0);
}

SHIM_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags);
int faccessat(int dirfd, const char *path, int mode, int flags)
{
	if (shim_busy())
		return shim_real.faccessat(dirfd, path, mode, flags);
	return do_access(dirfd, path, mode, flags);
}

/* ------------------------------------------------------------------ */
/* Links and names                                                     */

static ssize_t copy_name(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	n = n < len ? n : len;
	memcpy(buf, name, n);
	return (ssize_t)n;
}

static ssize_t do_readlinkat(int dirfd, const char *path, char *buf,
			     size_t len)
{
	char tmp[PATH_MAX];
	int minor = 0, fd = path ? shim_proc_fd(path) : -1;

	if (fd >= 0 && (minor = shim_fd_minor(fd)) >= 0)
		return copy_name(shim_node_path(minor), buf, len);
	switch (shim_path(path, false, &minor, tmp)) {
	case SHIM_PATH_NODE:
		return fail(EINVAL);    /* a device, not a link */
	case SHIM_PATH_MISSING:
		return fail(ENOENT);
	case SHIM_PATH_REDIRECT:
		return shim_real.readlinkat(dirfd, tmp, buf, len);
	default:
		return shim_real.readlinkat(dirfd, path, buf, len);
	}
}

SHIM_EXPORT ssize_t readlink(const char *path, char *buf, size_t len);
ssize_t readlink(const char *path, char *buf, size_t len)
{
	if (shim_busy())
		return shim_real.readlink(path, buf, len);
	return do_readlinkat(AT_FDCWD, path, buf, len);
}

SHIM_EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf,
			       size_t len);
ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	if (shim_busy())
		return shim_real.readlinkat(dirfd, path, buf, len);
	return do_readlinkat(dirfd, path, buf, len);
}

static char *name_result(const char *name, char *resolved)
{
	if (!resolved)
		return strdup(name);
	strcpy(resolved, name);
	return resolved;
}

SHIM_EXPORT char *realpath(const char *path, char *resolved);
char *realpath(const char *path, char *resolved)
{
	char buf[PATH_MAX];
	int minor = 0, fd;

	if (shim_busy() || !path)
		return shim_real.realpath(path, resolved);
	fd = shim_proc_fd(path);
	if (fd >= 0 && (minor = shim_fd_minor(fd)) >= 0)
		return name_result(shim_node_path(minor), resolved);
	switch (shim_path(path, false, &minor, buf)) {
	case SHIM_PATH_NODE:
		return name_result(shim_node_path(minor), resolved);
	case SHIM_PATH_MISSING:
		errno = ENOENT;
		return NULL;
	case SHIM_PATH_REDIRECT:
		return shim_real.realpath(buf, resolved);
	default:
		return shim_real.realpath(path, resolved);
	}
}

/* ------------------------------------------------------------------ */
/* File descriptors                                                    */

SHIM_EXPORT int close(int fd);
int close(int fd)
{
	int ret;

	if (shim_busy())
		return shim_real.close(fd);
	ret = shim_real.close(fd);
	/* Linux releases the fd even when close reports an error. */
	if (!ret || errno != EBADF)
		shim_fd_closed(fd);
	return ret;
}

SHIM_EXPORT int close_range(unsigned int first, unsigned int last,
			    int flags);
int close_range(unsigned int first, unsigned int last, int flags)
{
	static int (*real_close_range)(unsigned int, unsigned int, int);
	unsigned int fd;
	int ret;

	if (!real_close_range)
		*(void **)&real_close_range = dlsym(RTLD_NEXT, "close_range");
	if (!real_close_range)
		return fail(ENOSYS);
	ret = real_close_range(first, last, flags);
	if (!ret && !(flags & CLOSE_RANGE_CLOEXEC) && !shim_busy())
		for (fd = first; fd <= last && fd < 1u << 20; fd++)
			if (shim_is_node_fd((int)fd))
				shim_fd_closed((int)fd);
	return ret;
}

SHIM_EXPORT int dup(int fd);
int dup(int fd)
{
	int ret = shim_real.dup(fd);

	if (ret >= 0 && !shim_busy())
		shim_fd_copied(fd, ret);
	return ret;
}

SHIM_EXPORT int dup2(int oldfd, int newfd);
int dup2(int oldfd, int newfd)
{
	int ret = shim_real.dup2(oldfd, newfd);

	if (ret >= 0 && !shim_busy() && oldfd != newfd) {
		shim_fd_closed(newfd);
		shim_fd_copied(oldfd, newfd);
	}
	return ret;
}

SHIM_EXPORT int dup3(int oldfd, int newfd, int flags);
int dup3(int oldfd, int newfd, int flags)
{
	int ret = shim_real.dup3(oldfd, newfd, flags);

	if (ret >= 0 && !shim_busy()) {
		shim_fd_closed(newfd);
		shim_fd_copied(oldfd, newfd);
	}
	return ret;
}

SHIM_EXPORT int fcntl(int fd, int cmd, ...);
int fcntl(int fd, int cmd, ...)
{
	unsigned long arg;
	va_list ap;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	ret = shim_real.fcntl(fd, cmd, arg);
	if (ret >= 0 && !shim_busy() &&
	    (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		shim_fd_copied(fd, ret);
	return ret;
}

SHIM_EXPORT int fcntl64(int fd, int cmd, ...);
int fcntl64(int fd, int cmd, ...)
{
	unsigned long arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return fcntl(fd, cmd, arg);
}

SHIM_EXPORT int ioctl(int fd, unsigned long request, ...);
int ioctl(int fd, unsigned long request, ...)
{
	struct gpuvm_uapi_file *f;
	struct shim_file *sf;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (shim_busy() || !(sf = shim_file_get(fd)))
		return shim_real.ioctl(fd, request, arg);
	request = (unsigned int)request;
	f = shim_file_uapi(sf);
	if (!f) {
		ret = -ENODEV;
	} else if (_IOC_TYPE(request) != 'd') {
		/* FIONBIO, FIOCLEX and friends: the fd's own business. */
		shim_file_put(sf);
		return shim_real.ioctl(fd, request, arg);
	} else {
		shim_enter();
		ret = gpuvm_uapi_ioctl(f, request, arg);
		shim_leave();
	}
	shim_file_put(sf);
	return ret ? fail(-ret) : 0;
}

/* ------------------------------------------------------------------ */
/* Memory                                                              */

static void *do_mmap(void *addr, size_t len, int prot, int flags, int fd,
		     off_t off)
{
	void *p;

	if (!shim_busy() && fd >= 0 && shim_is_node_fd(fd))
		return shim_mmap_node(addr, len, prot, flags, fd, off);
	p = shim_real.mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & MAP_FIXED) && !shim_busy())
		shim_unmapped(p, len);
	return p;
}

SHIM_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off);
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

SHIM_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags,
			 int fd, off_t off);
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

SHIM_EXPORT int munmap(void *addr, size_t len);
int munmap(void *addr, size_t len)
{
	int ret = shim_real.munmap(addr, len);

	if (!ret && !shim_busy())
		shim_unmapped(addr, len);
	return ret;
}

SHIM_EXPORT int mprotect(void *addr, size_t len, int prot);
int mprotect(void *addr, size_t len, int prot)
{
	int ret = shim_real.mprotect(addr, len, prot);

	if (!ret && !shim_busy())
		shim_protected(addr, len, prot);
	return ret;
}

SHIM_EXPORT void *mremap(void *old, size_t old_len, size_t new_len,
			 int flags, ...);
void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *target = NULL, *p;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		target = va_arg(ap, void *);
		va_end(ap);
	}
	if (!shim_busy() && shim_touches_map(old, old_len)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	p = shim_real.mremap(old, old_len, new_len, flags, target);
	if (p != MAP_FAILED && (flags & MREMAP_FIXED) && !shim_busy())
		shim_unmapped(p, new_len);
	return p;
}

/* ------------------------------------------------------------------ */
/* The host                                                            */

SHIM_EXPORT int mount(const char *src, const char *target, const char *type,
		      unsigned long flags, const void *data);
int mount(const char *src, const char *target, const char *type,
	  unsigned long flags, const void *data)
{
	if (shim_busy())
		return shim_real.mount(src, target, type, flags, data);
	return fail(EPERM);
}

SHIM_EXPORT int umount(const char *target);
int umount(const char *target)
{
	if (shim_busy())
		return shim_real.umount2(target, 0);
	return fail(EPERM);
}

SHIM_EXPORT int umount2(const char *target, int flags);
int umount2(const char *target, int flags)
{
	if (shim_busy())
		return shim_real.umount2(target, flags);
	return fail(EPERM);
}

/* Looks libc up early: other constructors may not have run yet. */
__attribute__((constructor)) static void shim_init(void)
{
	shim_real_init();
}
