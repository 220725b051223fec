// SPDX-License-Identifier: MIT
/*
 * DOC: tests of caller-owned memory and memory without an allocator
 *
 * cfg.buffer (the caller's bytes at buffer + pa), cfg.backend (every
 * access through the caller's calls) and cfg.no_allocator, as mem.h
 * describes them: where each access lands, byte for byte; that the
 * built-in paths around them (the written map, the allocator's zeroing)
 * keep their promises; which configurations are refused, with which
 * errno, leaving nothing behind.
 */
#include "mem_test.h"

#define MEMSZ (64 * SZ_4K)

/* ------------------------------------------------------------------ */
/* A backend over an array, counting its calls                          */

struct fake {
	uint8_t *bytes;
	uint64_t read64s, write64s, reads, writes, directs;
	uint64_t read_bytes, written_bytes;
	bool direct_ok;       /* direct() answers a pointer */
	uint64_t hole;        /* direct() answers NULL in this frame */
};

static uint64_t fake_read64(void *c, uint64_t pa)
{
	struct fake *f = c;
	uint64_t v;

	f->read64s++;
	memcpy(&v, f->bytes + pa, 8);
	return v;
}

static void fake_write64(void *c, uint64_t pa, uint64_t v)
{
	struct fake *f = c;

	f->write64s++;
	memcpy(f->bytes + pa, &v, 8);
}

static void fake_read(void *c, uint64_t pa, void *buf, uint64_t len)
{
	struct fake *f = c;

	f->reads++;
	f->read_bytes += len;
	memcpy(buf, f->bytes + pa, len);
}

static void fake_write(void *c, uint64_t pa, const void *buf, uint64_t len)
{
	struct fake *f = c;

	f->writes++;
	f->written_bytes += len;
	memcpy(f->bytes + pa, buf, len);
}

static void *fake_direct(void *c, uint64_t pa)
{
	struct fake *f = c;

	f->directs++;
	if (!f->direct_ok || pa >> 12 == f->hole >> 12)
		return NULL;
	return f->bytes + pa;
}

static const struct gpuvm_mem_backend fake_ops = {
	.read64 = fake_read64, .write64 = fake_write64,
	.read = fake_read, .write = fake_write, .direct = fake_direct,
};

static struct gpuvm_mem *backend_mem(struct fake *f, bool no_allocator)
{
	struct gpuvm_mem_cfg cfg = {
		.size = MEMSZ, .backend = &fake_ops, .cookie = f,
		.no_allocator = no_allocator,
	};
	struct gpuvm_mem *mem = NULL;

	memset(f, 0, sizeof(*f));
	f->bytes = malloc(MEMSZ);
	assert_non_null(f->bytes);
	memset(f->bytes, 0x5a, MEMSZ);
	f->hole = UINT64_MAX;
	assert_int_equal(gpuvm_mem_create(&cfg, &mem), 0);
	return mem;
}

static struct gpuvm_mem *buffer_mem(uint8_t **buf, bool no_allocator)
{
	struct gpuvm_mem_cfg cfg = { .size = MEMSZ, .no_allocator = no_allocator };
	struct gpuvm_mem *mem = NULL;

	*buf = aligned_alloc(SZ_4K, MEMSZ);
	assert_non_null(*buf);
	memset(*buf, 0x5a, MEMSZ);
	cfg.buffer = *buf;
	assert_int_equal(gpuvm_mem_create(&cfg, &mem), 0);
	return mem;
}

static bool all_bytes(const uint8_t *p, uint64_t n, uint8_t v)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Refused configurations                                              */

static void test_bad_cfg(void **state)
{
	static const struct gpuvm_mem_backend partial[4] = {
		{ NULL, fake_write64, fake_read, fake_write, NULL },
		{ fake_read64, NULL, fake_read, fake_write, NULL },
		{ fake_read64, fake_write64, NULL, fake_write, NULL },
		{ fake_read64, fake_write64, fake_read, NULL, NULL },
	};
	uint64_t words[2 * 512 + 1];
	struct gpuvm_mem *mem = (void *)&words;
	struct gpuvm_mem_cfg cfg = { .size = SZ_4K };
	unsigned int i;

	(void)state;
	cfg.buffer = words;
	cfg.shared = true;
	assert_int_equal(gpuvm_mem_create(&cfg, &mem), -EINVAL);
	cfg.shared = false;
	cfg.backend = &fake_ops;
	assert_int_equal(gpuvm_mem_create(&cfg, &mem), -EINVAL);
	cfg.backend = NULL;
	cfg.buffer = (uint8_t *)words + 4;       /* not 8-byte aligned */
	assert_int_equal(gpuvm_mem_create(&cfg, &mem), -EINVAL);
	cfg.buffer = NULL;
	cfg.shared = true;
	cfg.backend = &fake_ops;
	assert_int_equal(gpuvm_mem_create(&cfg, &mem), -EINVAL);
	cfg.shared = false;
	for (i = 0; i < 4; i++) {
		cfg.backend = &partial[i];
		assert_int_equal(gpuvm_mem_create(&cfg, &mem), -EINVAL);
	}
	/* Nothing was handed out on any of them. */
	assert_ptr_equal(mem, (void *)&words);
}

/* ------------------------------------------------------------------ */
/* An external buffer                                                  */

static void test_buffer_access(void **state)
{
	uint8_t *buf, b[3 * SZ_4K];
	struct gpuvm_mem_view v;
	struct gpuvm_mem *mem = buffer_mem(&buf, false);

	(void)state;
	/* What the caller wrote behind gpuvm's back reads back. */
	buf[0x3005] = 0x11;
	assert_int_equal(gpuvm_mem_read(mem, 0x3000, b, 16), 0);
	assert_int_equal(b[5], 0x11);
	assert_int_equal(b[0], 0x5a);
	memcpy(buf + 0x8000, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(gpuvm_mem_read64(mem, 0x8000), 0x0807060504030201ull);

	/* gpuvm's writes land in the buffer, across frames too. */
	memset(b, 0xc3, sizeof(b));
	assert_int_equal(gpuvm_mem_write(mem, 0x4ff0, b, SZ_4K + 32), 0);
	assert_true(all_bytes(buf + 0x4ff0, SZ_4K + 32, 0xc3));
	assert_int_equal(buf[0x4fef], 0x5a);
	gpuvm_mem_write64(mem, 0x9008, 0x1122334455667788ull);
	assert_int_equal(buf[0x9008], 0x88);
	assert_int_equal(gpuvm_mem_write(mem, MEMSZ - 8, b, 16), -EFAULT);
	assert_int_equal(buf[MEMSZ - 8], 0x5a);

	/* Pointers, the view and the written map: all frames may hold data. */
	assert_ptr_equal(gpuvm_mem_ptr(mem, 0x7123), buf + 0x7123);
	assert_ptr_equal(gpuvm_mem_wptr(mem, 0x7000, 2 * SZ_4K), buf + 0x7000);
	gpuvm_mem_get_view(mem, &v);
	assert_ptr_equal(v.base, buf);
	assert_int_equal(v.size, MEMSZ);
	assert_true(gpuvm_mem_view_written(&v, 0x3f000));
	assert_true(gpuvm_mem_written(mem, 0x20000));
	assert_int_equal(gpuvm_mem_next_written(mem, 0x20010, MEMSZ), 0x20000);
	assert_int_equal(mem_stats_of(mem).frames_written, MEMSZ / SZ_4K);
	assert_int_equal(gpuvm_mem_fd(mem), -1);

	/* gpuvm never frees the caller's buffer: it is still ours. */
	gpuvm_mem_destroy(mem);
	assert_int_equal(buf[0x3005], 0x11);
	free(buf);
}

/*
 * The allocator over the caller's bytes: what it hands out reads zero
 * (zeroed when taken, the caller's bytes are not zero to begin with),
 * and freeing leaves the bytes and the map alone.
 */
static void test_buffer_alloc(void **state)
{
	uint8_t *buf, b[64];
	struct gpuvm_mem *mem = buffer_mem(&buf, false);
	struct gpuvm_mem_bo *bo;
	uint64_t pa, pas[3];

	(void)state;
	assert_int_equal(gpuvm_mem_alloc(mem, 2 * SZ_4K, GPUVM_MEM_PT, &pa), 0);
	assert_true(all_bytes(buf + pa, 2 * SZ_4K, 0));
	assert_true(all_bytes(buf + pa + 2 * SZ_4K, SZ_4K, 0x5a));
	memset(buf + pa, 0x77, 2 * SZ_4K);
	gpuvm_mem_free(mem, pa, 2 * SZ_4K, GPUVM_MEM_PT);
	assert_true(all_bytes(buf + pa, 2 * SZ_4K, 0x77));
	assert_int_equal(mem_stats_of(mem).frames_written, MEMSZ / SZ_4K);

	/* Taken again: zero again. */
	assert_int_equal(gpuvm_mem_alloc_frames(mem, 3, GPUVM_MEM_PT, pas), 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_true(all_bytes(buf + pas[i], SZ_4K, 0));

	assert_int_equal(gpuvm_mem_bo_create(mem, 5 * SZ_4K, 2, &bo), 0);
	for (uint64_t off = 0; off < 5 * SZ_4K; off += sizeof(b)) {
		assert_int_equal(gpuvm_mem_bo_read(bo, off, b, sizeof(b)), 0);
		assert_true(all_bytes(b, sizeof(b), 0));
	}
	memset(b, 0x42, sizeof(b));
	assert_int_equal(gpuvm_mem_bo_write(bo, SZ_4K - 8, b, 16), 0);
	pa = gpuvm_mem_bo_pa(bo, SZ_4K - 8, NULL);
	assert_true(all_bytes(buf + pa, 8, 0x42));
	assert_int_equal(gpuvm_mem_validate(mem, stderr), 0);
	gpuvm_mem_bo_destroy(bo);
	for (unsigned int i = 0; i < 3; i++)
		gpuvm_mem_free(mem, pas[i], SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(mem_stats_of(mem).frames_used, 0);
	assert_int_equal(gpuvm_mem_validate(mem, stderr), 0);
	gpuvm_mem_destroy(mem);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* A backend                                                           */

static void test_backend_access(void **state)
{
	struct fake f;
	struct gpuvm_mem *mem = backend_mem(&f, false);
	struct gpuvm_mem_view v;
	uint8_t b[2 * SZ_4K];

	(void)state;
	/* Descriptors: straight to read64/write64, nothing else. */
	f.bytes[0x2000] = 0x99;
	assert_int_equal(gpuvm_mem_read64(mem, 0x2000),
			 0x5a5a5a5a5a5a5a99ull);
	gpuvm_mem_write64(mem, 0x2008, 0xabcdef);
	assert_int_equal(f.bytes[0x2008], 0xef);
	assert_int_equal(f.read64s, 1);
	assert_int_equal(f.write64s, 1);
	assert_int_equal(f.reads + f.writes, 0);

	/* Byte ranges: read and write, frame by frame across frames. */
	assert_int_equal(gpuvm_mem_read(mem, 0x1ffc, b, 8), 0);
	assert_int_equal(b[4], 0x99);
	assert_int_equal(f.read_bytes, 8);
	memset(b, 0x3c, sizeof(b));
	assert_int_equal(gpuvm_mem_write(mem, 0x5100, b, SZ_4K + 4), 0);
	assert_true(all_bytes(f.bytes + 0x5100, SZ_4K + 4, 0x3c));
	assert_int_equal(f.written_bytes, SZ_4K + 4);
	assert_int_equal(gpuvm_mem_read(mem, 0x5100, b, 2 * SZ_4K), 0);
	assert_true(all_bytes(b, SZ_4K + 4, 0x3c));
	assert_true(all_bytes(b + SZ_4K + 4, SZ_4K - 4, 0x5a));
	assert_int_equal(f.read_bytes, 8 + 2 * SZ_4K);
	assert_int_equal(gpuvm_mem_read(mem, MEMSZ - 4, b, 8), -EFAULT);
	assert_int_equal(f.read_bytes, 8 + 2 * SZ_4K);

	/* No host base; every frame may hold data. */
	gpuvm_mem_get_view(mem, &v);
	assert_null(v.base);
	assert_int_equal(v.size, MEMSZ);
	assert_true(gpuvm_mem_written(mem, 0x30000));
	assert_false(gpuvm_mem_written(mem, MEMSZ));
	assert_int_equal(gpuvm_mem_next_written(mem, 0x30008, MEMSZ), 0x30000);
	assert_int_equal(mem_stats_of(mem).frames_written, MEMSZ / SZ_4K);

	/* Pointers come from direct(), a frame at most, or not at all. */
	assert_null(gpuvm_mem_ptr(mem, 0x1000));
	f.direct_ok = true;
	f.hole = 0x7000;
	assert_ptr_equal(gpuvm_mem_ptr(mem, 0x1010), f.bytes + 0x1010);
	assert_null(gpuvm_mem_ptr(mem, 0x7010));
	assert_ptr_equal(gpuvm_mem_wptr(mem, 0x3000, SZ_4K), f.bytes + 0x3000);
	assert_null(gpuvm_mem_wptr(mem, 0x3008, SZ_4K));
	gpuvm_mem_destroy(mem);
	free(f.bytes);
}

/* The allocator's zeroing goes through the backend, when taken. */
static void test_backend_alloc(void **state)
{
	struct fake f;
	struct gpuvm_mem *mem = backend_mem(&f, false);
	struct gpuvm_mem_bo *bo;
	uint8_t b[32];
	uint64_t pa;

	(void)state;
	assert_int_equal(gpuvm_mem_alloc(mem, 4 * SZ_4K, GPUVM_MEM_PT, &pa), 0);
	assert_true(all_bytes(f.bytes + pa, 4 * SZ_4K, 0));
	assert_int_equal(f.written_bytes, 4 * SZ_4K);
	memset(f.bytes + pa, 0x66, 4 * SZ_4K);
	gpuvm_mem_free(mem, pa, 4 * SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(f.written_bytes, 4 * SZ_4K);    /* not on free */

	assert_int_equal(gpuvm_mem_bo_create(mem, 3 * SZ_4K, 0, &bo), 0);
	assert_int_equal(f.written_bytes, 7 * SZ_4K);
	assert_int_equal(gpuvm_mem_bo_read(bo, 2 * SZ_4K + 5, b, sizeof(b)), 0);
	assert_true(all_bytes(b, sizeof(b), 0));
	memset(b, 0x21, sizeof(b));
	assert_int_equal(gpuvm_mem_bo_write(bo, 100, b, sizeof(b)), 0);
	assert_true(all_bytes(f.bytes + gpuvm_mem_bo_pa(bo, 100, NULL),
			      sizeof(b), 0x21));
	gpuvm_mem_bo_destroy(bo);
	assert_int_equal(gpuvm_mem_validate(mem, stderr), 0);
	gpuvm_mem_destroy(mem);
	free(f.bytes);
}

/* ------------------------------------------------------------------ */
/* No allocator                                                        */

static void check_no_allocator(struct gpuvm_mem *mem)
{
	struct gpuvm_mem_stats st;
	struct gpuvm_mem_bo *bo = (void *)&st;
	uint64_t pa = 0x1234, pas[2] = { 5, 6 };

	assert_int_equal(gpuvm_mem_alloc(mem, SZ_4K, GPUVM_MEM_PT, &pa),
			 -EOPNOTSUPP);
	assert_int_equal(pa, 0x1234);
	assert_int_equal(gpuvm_mem_alloc_frames(mem, 2, GPUVM_MEM_PT, pas),
			 -EOPNOTSUPP);
	assert_int_equal(pas[0], 5);
	assert_int_equal(gpuvm_mem_bo_create(mem, SZ_4K, 0, &bo), -EOPNOTSUPP);
	assert_ptr_equal(bo, (void *)&st);
	/* A free of something never allocated does nothing; all is well. */
	gpuvm_mem_free(mem, 0, SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(gpuvm_mem_validate(mem, stderr), 0);
	gpuvm_mem_stats(mem, &st);
	assert_int_equal(st.frames_total, MEMSZ / SZ_4K);
	assert_int_equal(st.frames_used, 0);
	assert_int_equal(st.allocs, 0);
}

static void test_no_allocator(void **state)
{
	struct gpuvm_mem_cfg cfg = { .size = MEMSZ, .no_allocator = true };
	struct gpuvm_mem *mem;
	uint8_t *buf, b[8];
	struct fake f;

	(void)state;
	/* The built-in RAM: still lazily backed, written map and all. */
	assert_int_equal(gpuvm_mem_create(&cfg, &mem), 0);
	check_no_allocator(mem);
	assert_int_equal(mem_written_frames(mem), 0);
	gpuvm_mem_write64(mem, 0x6000, 42);
	assert_int_equal(gpuvm_mem_read64(mem, 0x6000), 42);
	assert_int_equal(mem_written_frames(mem), 1);
	gpuvm_mem_destroy(mem);

	mem = buffer_mem(&buf, true);
	check_no_allocator(mem);
	assert_int_equal(gpuvm_mem_write(mem, 0x10, "abcdefgh", 8), 0);
	assert_int_equal(memcmp(buf + 0x10, "abcdefgh", 8), 0);
	gpuvm_mem_destroy(mem);
	free(buf);

	mem = backend_mem(&f, true);
	check_no_allocator(mem);
	assert_int_equal(gpuvm_mem_read(mem, 0x10, b, 8), 0);
	assert_true(all_bytes(b, 8, 0x5a));
	assert_int_equal(f.written_bytes, 0); /* nothing was zeroed */
	gpuvm_mem_destroy(mem);
	free(f.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_cfg),
		cmocka_unit_test(test_buffer_access),
		cmocka_unit_test(test_buffer_alloc),
		cmocka_unit_test(test_backend_access),
		cmocka_unit_test(test_backend_alloc),
		cmocka_unit_test(test_no_allocator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
