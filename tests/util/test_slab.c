// SPDX-License-Identifier: MIT
/*
 * Tests of the object slab (src/util/slab.c): objects are distinct,
 * aligned, zeroed and inside chunks that name their owner; chunks come
 * and go as objects do, keeping one empty chunk; reservations are always
 * honoured without mapping memory at allocation time; the byte count is
 * the pages touched. gpuvm_slab_validate() runs after every step and is
 * shown to detect a broken count.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/slab.h"

#define CHUNK GPUVM_SLAB_CHUNK

static void ok(const struct gpuvm_slab *s)
{
	assert_int_equal(gpuvm_slab_validate(s, stderr), 0);
}

static void check_obj(const struct gpuvm_slab *s, void *o, size_t align)
{
	const unsigned char *b = o;
	size_t i;

	assert_non_null(o);
	assert_int_equal((uintptr_t)o % align, 0);
	for (i = 0; i < s->size; i++)
		assert_int_equal(b[i], 0);
	assert_ptr_equal(gpuvm_slab_owner(o), s->owner);
}

/* Objects of 80 and 256 bytes: counts per chunk, alignment, zeroing. */
static void test_sizes(void **state)
{
	static const size_t sizes[] = { 80, 256 };
	struct gpuvm_slab s;
	int owner;
	size_t k;

	(void)state;
	for (k = 0; k < 2; k++) {
		void *a, *b;

		gpuvm_slab_init(&s, sizes[k], &owner);
		assert_int_equal(s.per_chunk, (CHUNK - 64) / sizes[k]);
		a = gpuvm_slab_alloc(&s);
		check_obj(&s, a, sizes[k] == 256 ? 64 : 16);
		memset(a, 0xa5, s.size);
		gpuvm_slab_free(&s, a);
		b = gpuvm_slab_alloc(&s);
		assert_ptr_equal(a, b); /* reused while hot, and zeroed */
		check_obj(&s, b, 16);
		ok(&s);
		gpuvm_slab_free(&s, b);
		ok(&s);
		gpuvm_slab_fini(&s);
	}
}

/* Many objects: distinct, chunks added and given back. */
static void test_chunks(void **state)
{
	const size_t n = 3000;
	void **obj = calloc(n, sizeof(*obj));
	struct gpuvm_slab s;
	size_t i, j;

	(void)state;
	assert_non_null(obj);
	gpuvm_slab_init(&s, 80, NULL);
	for (i = 0; i < n; i++) {
		obj[i] = gpuvm_slab_alloc(&s);
		check_obj(&s, obj[i], 16);
		*(size_t *)obj[i] = i;
	}
	ok(&s);
	assert_int_equal(s.in_use, n);
	assert_int_equal(s.nchunks, (n + s.per_chunk - 1) / s.per_chunk);
	for (i = 0; i < n; i++)
		assert_int_equal(*(size_t *)obj[i], i);
	/* Free every other one, then the rest: all but one chunk go. */
	for (j = 0; j < 2; j++) {
		for (i = j; i < n; i += 2)
			gpuvm_slab_free(&s, obj[i]);
		ok(&s);
	}
	assert_int_equal(s.in_use, 0);
	assert_int_equal(s.nchunks, 1);
	assert_int_equal(s.empty, 1);
	gpuvm_slab_fini(&s);
	assert_int_equal(s.nchunks, 0);
	free(obj);
}

/* Reserved objects are there for alloc_reserved without a new chunk. */
static void test_reserve(void **state)
{
	struct gpuvm_slab s;
	void *o[64];
	uint64_t chunks;
	unsigned int i, fill;

	(void)state;
	gpuvm_slab_init(&s, 256, NULL);
	assert_int_equal(gpuvm_slab_reserve(&s, 10), 0);
	assert_int_equal(s.nchunks, 1);
	/* Plain allocations may not eat into the reservation. */
	fill = s.per_chunk - 10;
	for (i = 0; i < fill; i++)
		assert_non_null(gpuvm_slab_alloc(&s));
	assert_int_equal(s.nchunks, 1);
	assert_non_null(o[0] = gpuvm_slab_alloc(&s));
	assert_int_equal(s.nchunks, 2);
	gpuvm_slab_free(&s, o[0]);
	ok(&s);
	chunks = s.nchunks;
	for (i = 0; i < 10; i++)
		assert_non_null(o[i] = gpuvm_slab_alloc_reserved(&s));
	assert_int_equal(s.nchunks, chunks);
	assert_int_equal(s.reserved, 0);
	ok(&s);
	/* A reservation keeps its chunk when objects are freed around it. */
	assert_int_equal(gpuvm_slab_reserve(&s, 30), 0);
	for (i = 0; i < 10; i++)
		gpuvm_slab_free(&s, o[i]);
	ok(&s);
	assert_true(s.free >= s.reserved);
	gpuvm_slab_unreserve(&s, 30);
	assert_int_equal(s.reserved, 0);
	ok(&s);
	gpuvm_slab_fini(&s);
}

/* Touched pages only: the first object costs the header's page. */
static void test_bytes(void **state)
{
	struct gpuvm_slab s;
	void *o[200];
	unsigned int i;

	(void)state;
	gpuvm_slab_init(&s, 256, NULL);
	assert_int_equal(gpuvm_slab_bytes(&s), 0);
	o[0] = gpuvm_slab_alloc(&s);
	assert_int_equal(gpuvm_slab_bytes(&s), 4096);
	/* 64 + 16 * 256 = 4160: the 16th object reaches the second page. */
	for (i = 1; i < 15; i++)
		o[i] = gpuvm_slab_alloc(&s);
	assert_int_equal(gpuvm_slab_bytes(&s), 4096);
	o[15] = gpuvm_slab_alloc(&s);
	assert_int_equal(gpuvm_slab_bytes(&s), 8192);
	/* Freed objects stay touched; reusing them costs nothing new. */
	for (i = 0; i < 16; i++)
		gpuvm_slab_free(&s, o[i]);
	for (i = 0; i < 16; i++)
		o[i] = gpuvm_slab_alloc(&s);
	assert_int_equal(gpuvm_slab_bytes(&s), 8192);
	ok(&s);
	gpuvm_slab_fini(&s);
	assert_int_equal(gpuvm_slab_bytes(&s), 0);
}

/*
 * The magazine: the last 32 objects freed come back first, newest
 * first; the 33rd free sends the older half back to the chunks.
 */
static void test_magazine(void **state)
{
	struct gpuvm_slab s;
	char *buf = NULL;
	size_t len = 0;
	void *o[40];
	unsigned int i;
	FILE *f;

	(void)state;
	gpuvm_slab_init(&s, 80, NULL);
	for (i = 0; i < 40; i++)
		o[i] = gpuvm_slab_alloc(&s);
	for (i = 0; i < 32; i++)
		gpuvm_slab_free(&s, o[i]);
	assert_int_equal(s.nmag, 32);
	ok(&s);
	gpuvm_slab_free(&s, o[32]);
	assert_int_equal(s.nmag, 17);
	ok(&s);
	assert_ptr_equal(gpuvm_slab_alloc(&s), o[32]);
	assert_ptr_equal(gpuvm_slab_alloc(&s), o[31]);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	gpuvm_slab_print(&s, f);
	fclose(f);
	assert_string_equal(buf, "slab: 80-byte objects, 818 per chunk; 1 chunks "
			    "(0 empty), 9 in use, 809 free (15 at hand), "
			    "0 reserved, 4096 bytes touched\n");
	free(buf);
	gpuvm_slab_fini(&s);
}

static void test_validate_detects_corruption(void **state)
{
	struct gpuvm_slab s;
	void *a;

	(void)state;
	gpuvm_slab_init(&s, 80, NULL);
	a = gpuvm_slab_alloc(&s);
	ok(&s);
	s.in_use++;
	assert_int_equal(gpuvm_slab_validate(&s, NULL), -EUCLEAN);
	s.in_use--;
	s.reserved = s.free + 1;
	assert_int_equal(gpuvm_slab_validate(&s, NULL), -EUCLEAN);
	s.reserved = 0;
	ok(&s);
	gpuvm_slab_free(&s, a);
	gpuvm_slab_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_magazine),
		cmocka_unit_test(test_validate_detects_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
