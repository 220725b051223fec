// SPDX-License-Identifier: MIT
/*
 * DOC: the real libc functions behind the wrappers
 *
 * Each wrapper the shim exports stands in front of libc's function of the
 * same name, found with dlsym(RTLD_NEXT): the next definition after the
 * shim in the lookup order, which is libc's (or a sanitizer's
 * interceptor, which then calls libc's). They are looked up once, on the
 * first wrapper call or from the shim's constructor, whichever comes
 * first: other libraries' constructors may open files before ours runs.
 *
 * The shim's own code, and gpuvm's under it, call libc as well (open,
 * mmap, fstat...). Those calls reach the wrappers too, and must go
 * straight to libc: the wrappers take locks the caller may hold and could
 * mistake an internal fd for a node. A per-thread depth counter says
 * "inside the shim".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

#include "shim/shim_internal.h"

struct shim_real shim_real;

static int found;                /* atomic: shim_real is complete */
static __thread unsigned int depth;

#define FIND(name) \
	(*(void **)&shim_real.name = dlsym(RTLD_NEXT, #name))

static void find_all(void)
{
	FIND(open);
	FIND(openat);
	FIND(fopen);
	FIND(opendir);
	FIND(readdir);
	FIND(readdir64);
	FIND(stat);
	FIND(lstat);
	FIND(fstat);
	FIND(fstatat);
	FIND(statx);
	FIND(access);
	FIND(faccessat);
	FIND(readlink);
	FIND(readlinkat);
	FIND(realpath);
	FIND(close);
	FIND(dup);
	FIND(dup2);
	FIND(dup3);
	FIND(fcntl);
	FIND(ioctl);
	FIND(mmap);
	FIND(munmap);
	FIND(mprotect);
	FIND(mremap);
	FIND(mount);
	FIND(umount2);
	/* Without these the process cannot work at all. */
	if (!shim_real.open || !shim_real.close || !shim_real.ioctl ||
	    !shim_real.mmap || !shim_real.munmap)
		abort();
}

/*
 * No pthread_once: a sanitizer runtime initialising itself calls mmap
 * before its own pthread interceptors work. Two threads racing here both
 * look the same symbols up and store the same values.
 */
void shim_real_init(void)
{
	if (__atomic_load_n(&found, __ATOMIC_ACQUIRE))
		return;
	find_all();
	__atomic_store_n(&found, 1, __ATOMIC_RELEASE);
}

bool shim_busy(void)
{
	shim_real_init();
	return depth > 0;
}

void shim_enter(void)
{
	depth++;
}

void shim_leave(void)
{
	depth--;
}
