// SPDX-License-Identifier: MIT
/*
 * DOC: what the program sees of the file system
 *
 * The device nodes. /dev/dri/card0 and /dev/dri/renderD128 exist:
 * character devices, major 226, minors 0 and 128, world read-write. Every
 * other name under /dev/dri is absent, so nothing reaches the host's real
 * nodes. /dev/dri itself lists exactly the two (readdir types them as
 * character devices).
 *
 * sysfs. libdrm (drmGetDevices2, drmGetDevice2, drmGetDeviceNameFromFd2)
 * and other clients look at /sys/dev/char/226:N/... and /sys/class/drm:
 * those paths are served from a private tree made at start-up in a
 * temporary directory, describing a platform device compatible with
 * "arm,mali-valhall-csf" (an RK3588's GPU, fb000000.gpu) with its two drm
 * nodes. Its symlinks are real, so readlink and realpath of them work and
 * the device's subsystem resolves to .../bus/platform. Other 226:N
 * entries are absent; the rest of /sys is the host's.
 *
 * Refusals. A program under the shim may run as root on a shared test
 * machine (IGT does): opening for writing anything under /sys or
 * /proc/sys, or /dev/kmsg, is -EACCES, and mount/umount are refused
 * (entry.c), so nothing of the host's kernel state changes.
 *
 * Only absolute paths are recognised; a path reached through a directory
 * fd or with ".." is the host's (docs/shim.md, limits).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "shim/shim_internal.h"

#define DEVICE_DIR "devices/platform/fb000000.gpu"

static pthread_once_t tree_once = PTHREAD_ONCE_INIT;
static char root[256];               /* the fake tree; "" if none */
static pid_t root_owner;
static struct stat node_base;        /* what the nodes share */

static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;
static DIR *fake_dirs[16];

/* ------------------------------------------------------------------ */
/* The fake tree                                                       */

static int put_file(const char *rel, const void *data, size_t len)
{
	char p[PATH_MAX];
	int fd, ok;

	if (snprintf(p, sizeof(p), "%s/%s", root, rel) >= (int)sizeof(p))
		return -1;
	fd = shim_real.open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
	if (fd < 0)
		return -1;
	ok = write(fd, data, len) == (ssize_t)len;
	shim_real.close(fd);
	return ok ? 0 : -1;
}

static int put_dir(const char *rel)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", root, rel) >= (int)sizeof(p))
		return -1;
	return mkdir(p, 0755) && errno != EEXIST ? -1 : 0;
}

static int put_link(const char *rel, const char *target)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", root, rel) >= (int)sizeof(p))
		return -1;
	return symlink(target, p);
}

static int put_node_dirs(const char *name, int minor)
{
	char rel[128], text[160];
	int ret = 0;

	snprintf(rel, sizeof(rel), DEVICE_DIR "/drm/%s", name);
	ret |= put_dir(rel);
	snprintf(rel, sizeof(rel), DEVICE_DIR "/drm/%s/dev", name);
	snprintf(text, sizeof(text), "%d:%d\n", SHIM_DRM_MAJOR, minor);
	ret |= put_file(rel, text, strlen(text));
	snprintf(rel, sizeof(rel), DEVICE_DIR "/drm/%s/uevent", name);
	snprintf(text, sizeof(text), "MAJOR=%d\nMINOR=%d\nDEVNAME=dri/%s\n"
		 "DEVTYPE=drm_minor\n", SHIM_DRM_MAJOR, minor, name);
	ret |= put_file(rel, text, strlen(text));
	snprintf(rel, sizeof(rel), DEVICE_DIR "/drm/%s/device", name);
	ret |= put_link(rel, "../..");
	snprintf(rel, sizeof(rel), DEVICE_DIR "/drm/%s/subsystem", name);
	ret |= put_link(rel, "../../../../../class/drm");
	snprintf(rel, sizeof(rel), "dev/char/%d:%d", SHIM_DRM_MAJOR, minor);
	snprintf(text, sizeof(text), "../../" DEVICE_DIR "/drm/%s", name);
	ret |= put_link(rel, text);
	snprintf(rel, sizeof(rel), "class/drm/%s", name);
	snprintf(text, sizeof(text), "../../" DEVICE_DIR "/drm/%s", name);
	ret |= put_link(rel, text);
	snprintf(rel, sizeof(rel), "dri/%s", name);
	ret |= put_file(rel, "", 0);
	return ret;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Only the process that made the tree removes it (not a forked child). */
static void remove_tree(void)
{
	if (!root[0] || getpid() != root_owner)
		return;
	shim_enter();
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	shim_leave();
}

static void make_tree(void)
{
	static const char uevent[] =
		"DRIVER=panthor\n"
		"OF_NAME=gpu\n"
		"OF_FULLNAME=/gpu@fb000000\n"
		"OF_COMPATIBLE_0=rockchip,rk3588-mali\n"
		"OF_COMPATIBLE_1=arm,mali-valhall-csf\n"
		"OF_COMPATIBLE_N=2\n"
		"MODALIAS=of:NgpuT(null)Crockchip,rk3588-maliCarm,"
		"mali-valhall-csf\n";
	static const char compat[] = "rockchip,rk3588-mali\0"
				     "arm,mali-valhall-csf";
	const char *tmp = getenv("TMPDIR");
	int ret = 0;

	shim_enter();
	if (snprintf(root, sizeof(root), "%s/gpuvm-shim-XXXXXX",
		     tmp && tmp[0] == '/' && strlen(tmp) < 200 ? tmp : "/tmp")
	    >= (int)sizeof(root) || !mkdtemp(root)) {
		root[0] = 0;
		shim_leave();
		return;
	}
	root_owner = getpid();
	ret |= put_dir("dri");
	ret |= put_dir("devices");
	ret |= put_dir("devices/platform");
	ret |= put_dir(DEVICE_DIR);
	ret |= put_dir(DEVICE_DIR "/drm");
	ret |= put_dir(DEVICE_DIR "/of_node");
	ret |= put_dir("bus");
	ret |= put_dir("bus/platform");
	ret |= put_dir("bus/platform/drivers");
	ret |= put_dir("bus/platform/drivers/panthor");
	ret |= put_dir("class");
	ret |= put_dir("class/drm");
	ret |= put_dir("dev");
	ret |= put_dir("dev/char");
	ret |= put_file(DEVICE_DIR "/uevent", uevent, sizeof(uevent) - 1);
	ret |= put_file(DEVICE_DIR "/of_node/compatible", compat,
			sizeof(compat));
	ret |= put_link(DEVICE_DIR "/subsystem", "../../../bus/platform");
	ret |= put_link(DEVICE_DIR "/driver",
			"../../../bus/platform/drivers/panthor");
	ret |= put_node_dirs("card0", 0);
	ret |= put_node_dirs("renderD128", 128);
	if (ret) {
		remove_tree();
		root[0] = 0;
	} else {
		atexit(remove_tree);
	}
	/* The nodes live on the host's /dev file system, as real ones. */
	if (shim_real.stat("/dev/null", &node_base))
		memset(&node_base, 0, sizeof(node_base));
	shim_leave();
}

static bool tree(void)
{
	pthread_once(&tree_once, make_tree);
	return root[0] != 0;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

static bool has_prefix(const char *path, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) || (path[n] && path[n] != '/'))
		return false;
	*rest = path + n;
	return true;
}

static enum shim_path_kind redirect(const char *rel, const char *rest,
				    char *out)
{
	if (!tree() ||
	    snprintf(out, PATH_MAX, "%s/%s%s", root, rel, rest) >= PATH_MAX)
		return SHIM_PATH_MISSING;
	return SHIM_PATH_REDIRECT;
}

static bool refused(const char *path, bool writing)
{
	const char *rest;

	return writing && (has_prefix(path, "/sys", &rest) ||
			   has_prefix(path, "/proc/sys", &rest) ||
			   !strcmp(path, "/dev/kmsg"));
}

enum shim_path_kind shim_path(const char *path, bool writing, int *minor,
			      char *out)
{
	const char *rest;
	unsigned int maj, min;
	int n = 0;

	if (!path || path[0] != '/')
		return SHIM_PATH_OTHER;
	if (has_prefix(path, "/dev/dri", &rest)) {
		if (!strcmp(rest, "/card0") || !strcmp(rest, "/renderD128")) {
			*minor = rest[1] == 'c' ? 0 : 128;
			return SHIM_PATH_NODE;
		}
		if (!rest[0] || !strcmp(rest, "/"))
			return redirect("dri", "", out);
		return SHIM_PATH_MISSING;
	}
	if (has_prefix(path, "/sys/class/drm", &rest))
		return redirect("class/drm", rest, out);
	if (sscanf(path, "/sys/dev/char/%u:%u%n", &maj, &min, &n) == 2 &&
	    maj == SHIM_DRM_MAJOR && (!path[n] || path[n] == '/')) {
		char rel[32];

		if (min != 0 && min != 128)
			return SHIM_PATH_MISSING;
		snprintf(rel, sizeof(rel), "dev/char/%u:%u", maj, min);
		return redirect(rel, path + n, out);
	}
	return refused(path, writing) ? SHIM_PATH_REFUSED : SHIM_PATH_OTHER;
}

const char *shim_node_path(int minor)
{
	return minor ? "/dev/dri/renderD128" : "/dev/dri/card0";
}

void shim_node_stat(int minor, struct stat *st)
{
	tree();
	memset(st, 0, sizeof(*st));
	st->st_dev = node_base.st_dev;
	st->st_ino = 0x67707500u + (unsigned int)minor;
	st->st_mode = S_IFCHR | 0666;
	st->st_nlink = 1;
	st->st_rdev = makedev(SHIM_DRM_MAJOR, (unsigned int)minor);
	st->st_blksize = 4096;
	st->st_atim = node_base.st_atim;
	st->st_mtim = node_base.st_mtim;
	st->st_ctim = node_base.st_ctim;
}

int shim_proc_fd(const char *path)
{
	int fd = -1, pid = -1, n = 0;

	if (sscanf(path, "/proc/self/fd/%d%n", &fd, &n) == 1 && !path[n])
		return fd;
	if (sscanf(path, "/proc/thread-self/fd/%d%n", &fd, &n) == 1 && !path[n])
		return fd;
	if (sscanf(path, "/proc/%d/fd/%d%n", &pid, &fd, &n) == 2 && !path[n] &&
	    pid == getpid())
		return fd;
	return -1;
}

/* ------------------------------------------------------------------ */
/* The fake /dev/dri's directory streams                               */

void shim_fake_dir_opened(DIR *d)
{
	unsigned int i;

	pthread_mutex_lock(&dir_lock);
	for (i = 0; i < sizeof(fake_dirs) / sizeof(fake_dirs[0]); i++) {
		if (!fake_dirs[i]) {
			fake_dirs[i] = d;
			break;
		}
	}
	pthread_mutex_unlock(&dir_lock);
}

void shim_fake_dir_closed(DIR *d)
{
	unsigned int i;

	pthread_mutex_lock(&dir_lock);
	for (i = 0; i < sizeof(fake_dirs) / sizeof(fake_dirs[0]); i++)
		if (fake_dirs[i] == d)
			fake_dirs[i] = NULL;
	pthread_mutex_unlock(&dir_lock);
}

bool shim_fake_dir(DIR *d)
{
	unsigned int i;
	bool found = false;

	pthread_mutex_lock(&dir_lock);
	for (i = 0; i < sizeof(fake_dirs) / sizeof(fake_dirs[0]); i++)
		found |= fake_dirs[i] == d;
	pthread_mutex_unlock(&dir_lock);
	return found;
}
