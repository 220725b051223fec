// SPDX-License-Identifier: MIT
/*
 * DOC: the caller's memory, as copy_from_user and copy_to_user see it
 *
 * An ioctl's argument and every pointer inside it are addresses in the
 * calling process, and any of them may be bad: a kernel then fails with
 * -EFAULT and the process carries on. gpuvm runs in that process, so a
 * plain memcpy from a bad address would kill it. Copies therefore go
 * through the kernel: process_vm_readv/writev on the process itself,
 * which copies what is mapped and stops at the first byte that is not
 * (a short count is -EFAULT). No signal handler is involved, so nothing
 * of the application's signal setup is disturbed. Where those calls are
 * refused (seccomp, ptrace restrictions) /proc/self/mem does the same
 * job; where both are, every copy is -EFAULT.
 *
 * A system call is costly (several microseconds on some virtual
 * machines, more than a whole bind), and most arguments sit on the
 * caller's stack. The part of the calling thread's stack between this
 * frame and the stack's top is mapped and writable for as long as the
 * ioctl runs (it holds the frames that are waiting for it), so a range
 * inside it is copied directly. Anything else takes the system call.
 * Under AddressSanitizer the direct path is off: reading a caller's
 * stack buffer past its declared size is legal for the kernel but a
 * finding for ASan.
 *
 * The array and string helpers implement panthor's and strndup_user's
 * rules on top: element-wise zero extension and truncation with
 * trailing bytes that must be zero (-E2BIG), strings bounded by a
 * maximum (-EINVAL past it).
 */
#define _GNU_SOURCE /* process_vm_readv, pthread_getattr_np */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "uapi/uapi_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define UAPI_NO_DIRECT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UAPI_NO_DIRECT 1
#endif
#endif

/* ------------------------------------------------------------------ */
/* Through the kernel                                                  */

static pid_t self_pid;          /* 0: not known yet */
static int self_mem = -1;       /* /proc/self/mem, opened when needed */
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void forget_pid(void)
{
	__atomic_store_n(&self_pid, 0, __ATOMIC_RELAXED);
}

static void watch_fork(void)
{
	pthread_atfork(NULL, NULL, forget_pid);
}

/* getpid() is a system call in current glibc: ask once per process. */
static pid_t my_pid(void)
{
	pid_t p = __atomic_load_n(&self_pid, __ATOMIC_RELAXED);

	if (!p) {
		pthread_once(&pid_once, watch_fork);
		p = getpid();
		__atomic_store_n(&self_pid, p, __ATOMIC_RELAXED);
	}
	return p;
}

static int mem_file(void)
{
	int fd = __atomic_load_n(&self_mem, __ATOMIC_ACQUIRE), old = -1;

	if (fd >= 0)
		return fd;
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!__atomic_compare_exchange_n(&self_mem, &old, fd, false,
					  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);
		fd = old;
	}
	return fd;
}

/* Bytes copied from or to [user, user + n) before the first bad one. */
static size_t kernel_copy(uint64_t user, void *buf, size_t n, bool write)
{
	struct iovec l = { buf, n }, r = { (void *)(uintptr_t)user, n };
	ssize_t got = write ? process_vm_writev(my_pid(), &l, 1, &r, 1, 0)
			    : process_vm_readv(my_pid(), &l, 1, &r, 1, 0);
	int fd;

	if (got >= 0)
		return (size_t)got;
	if (errno == EFAULT)
		return 0;
	/* Refused altogether: the process's memory file does the same. */
	fd = mem_file();
	if (fd < 0)
		return 0;
	got = write ? pwrite(fd, buf, n, (off_t)user)
		    : pread(fd, buf, n, (off_t)user);
	return got > 0 ? (size_t)got : 0;
}

/* ------------------------------------------------------------------ */
/* Straight from the stack                                             */

#ifndef UAPI_NO_DIRECT
static __thread uintptr_t stack_top;   /* 0: not looked up, 1: unknown */

static uintptr_t thread_stack_top(void)
{
	pthread_attr_t a;
	size_t size;
	void *addr;

	if (stack_top)
		return stack_top;
	stack_top = 1;
	if (!pthread_getattr_np(pthread_self(), &a)) {
		if (!pthread_attr_getstack(&a, &addr, &size))
			stack_top = (uintptr_t)addr + size;
		pthread_attr_destroy(&a);
	}
	return stack_top;
}
#endif

/*
 * [user, user + n) lies in the used part of this thread's stack, above
 * this frame: mapped and writable until the ioctl returns.
 */
static bool on_live_stack(uint64_t user, size_t n)
{
#ifdef UAPI_NO_DIRECT
	(void)user;
	(void)n;
	return false;
#else
	volatile char here = 0;
	uintptr_t low = (uintptr_t)&here, top = thread_stack_top();

	return top > 1 && user >= low && user <= top && n <= top - user;
#endif
}

/* ------------------------------------------------------------------ */
/* Copies                                                              */

static bool range_ok(uint64_t user, size_t n)
{
	return user && user + n >= user;
}

int uapi_copy_in(void *dst, uint64_t user, size_t n)
{
	if (!n)
		return 0;
	if (!range_ok(user, n))
		return -EFAULT;
	if (on_live_stack(user, n)) {
		memcpy(dst, (const void *)(uintptr_t)user, n);
		return 0;
	}
	return kernel_copy(user, dst, n, false) == n ? 0 : -EFAULT;
}

int uapi_copy_out(uint64_t user, const void *src, size_t n)
{
	if (!n)
		return 0;
	if (!range_ok(user, n))
		return -EFAULT;
	if (on_live_stack(user, n)) {
		memcpy((void *)(uintptr_t)user, src, n);
		return 0;
	}
	return kernel_copy(user, (void *)(uintptr_t)src, n, true) == n ?
	       0 : -EFAULT;
}

int uapi_clear_out(uint64_t user, size_t n)
{
	static const uint8_t zeros[4096];
	size_t step;
	int ret = 0;

	for (; n && !ret; user += step, n -= step) {
		step = n < sizeof(zeros) ? n : sizeof(zeros);
		ret = uapi_copy_out(user, zeros, step);
	}
	return ret;
}

/* The kernel's check_zeroed_user: 1 all zero, 0 not, -EFAULT. */
static int all_zero_user(uint64_t user, size_t n)
{
	uint8_t buf[256];
	size_t step, i;
	int ret;

	for (; n; user += step, n -= step) {
		step = n < sizeof(buf) ? n : sizeof(buf);
		ret = uapi_copy_in(buf, user, step);
		if (ret)
			return ret;
		for (i = 0; i < step; i++)
			if (buf[i])
				return 0;
	}
	return 1;
}

/* copy_struct_from_user: zero-extend, or truncate what must be zero. */
static int copy_struct(void *dst, size_t ksize, uint64_t user, size_t usize)
{
	int ret;

	if (usize > ksize) {
		ret = all_zero_user(user + ksize, usize - ksize);
		if (ret <= 0)
			return ret ? ret : -E2BIG;
	}
	memset(dst, 0, ksize);
	return uapi_copy_in(dst, user, usize < ksize ? usize : ksize);
}

int uapi_get_array_in(const struct drm_panthor_obj_array *a, uint32_t min,
		      uint32_t size, void *room, size_t room_len, void **out)
{
	uint8_t *buf;
	uint32_t i;
	int ret = 0;

	*out = NULL;
	if (!a->count)
		return 0;
	if (a->stride < min)
		return -EINVAL;
	if ((uint64_t)a->count * size > UAPI_KVMALLOC_MAX)
		return -ENOMEM;
	if ((uint64_t)a->count * size <= room_len) {
		buf = room;
		memset(buf, 0, (size_t)a->count * size);
	} else if (!(buf = calloc(a->count, size))) {
		return -ENOMEM;
	}
	if (a->stride == size)
		ret = uapi_copy_in(buf, a->array, (size_t)a->count * size);
	else
		for (i = 0; i < a->count && !ret; i++)
			ret = copy_struct(buf + (size_t)i * size, size,
					  a->array + (uint64_t)i * a->stride,
					  a->stride);
	if (ret) {
		if (buf != room)
			free(buf);
		return ret;
	}
	*out = buf;
	return 0;
}

int uapi_get_array(const struct drm_panthor_obj_array *a, uint32_t min,
		   uint32_t size, void **out)
{
	return uapi_get_array_in(a, min, size, NULL, 0, out);
}

int uapi_get_string(uint64_t user, size_t max, char **out)
{
	char *s = malloc(max);
	size_t got = 0, step;
	char *nul = NULL;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	/* Page by page: the string may end just before unmapped memory. */
	while (!nul && got < max) {
		step = UAPI_PAGE - ((user + got) & (UAPI_PAGE - 1));
		step = step < max - got ? step : max - got;
		if (uapi_copy_in(s + got, user + got, step)) {
			free(s);
			return -EFAULT;
		}
		nul = memchr(s + got, 0, step);
		got += step;
	}
	if (!nul) {
		free(s);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

int uapi_set_obj(uint64_t user, uint32_t usr_size, uint32_t min_size,
		 const void *obj, uint32_t kern_size)
{
	int ret;

	if (usr_size < min_size)
		return -EINVAL;
	ret = uapi_copy_out(user, obj,
			    usr_size < kern_size ? usr_size : kern_size);
	if (!ret && usr_size > kern_size)
		ret = uapi_clear_out(user + kern_size, usr_size - kern_size);
	return ret;
}
