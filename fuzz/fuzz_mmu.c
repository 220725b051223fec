// SPDX-License-Identifier: MIT
/*
 * DOC: fuzz_mmu: the MMU over every kind of memory, against a reference
 *
 * The input's first bytes pick the memory (gpuvm's own RAM, a caller's
 * buffer, a backend with or without a direct() hook), whether it has a
 * frame allocator, the VA width and the MMU's concurrent mode; the rest
 * is a stream of operations: raw descriptor writes into the first eight
 * frames (the tables), data writes, GPU reads, writes and fetches,
 * translations, host pointers, allocations. A shadow copy of memory and
 * a reference walker written here from the architecture's rules say what
 * every MMU call must answer: its errno, fault kind, level and address,
 * the bytes read, the bytes memory holds afterwards. Any difference
 * aborts. The TLB is invalidated after memory changes, as a driver
 * would (a table may live in any frame), so hits are exercised between
 * changes.
 *
 * Built as a libFuzzer target (fuzz/meson.build, `make fuzz`); the
 * suite's tests/fuzz/test_fuzz_mmu.c calls LLVMFuzzerTestOneInput on
 * seeded random inputs and on the corpus.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpuvm/mmu.h"

#define MEMSZ (1u << 20)
#define NTABLES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EXPECT(c) do { if (!(c)) { fprintf(stderr, "fuzz_mmu: %s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

struct st {
	const uint8_t *in;
	size_t len;
	uint8_t *shadow;     /* what memory must hold */
	uint8_t *ram;        /* the caller's bytes (buffer, backend) */
	struct gpuvm_mem *mem;
	struct gpuvm_mmu_as *as;
	unsigned int va_bits, kind;
	bool alloc, dirty;
	uint64_t touched[MEMSZ / 4096 / 64];   /* frames the shadow changed */
};

/* The shadow's bytes [pa, pa + len) change: the final check reads them. */
static void touch(struct st *s, uint64_t pa, uint64_t len)
{
	for (uint64_t f = pa / 4096; len && f <= (pa + len - 1) / 4096; f++)
		s->touched[f / 64] |= 1ull << (f % 64);
}

static uint64_t take(struct st *s, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n && s->len; i++, s->in++, s->len--)
		v |= (uint64_t)*s->in << (8 * i);
	return v;                /* past the end: zeros */
}

/* ---- the backend: the caller's array ---- */
static uint64_t b_read64(void *c, uint64_t pa)
{
	uint64_t v;

	memcpy(&v, (uint8_t *)c + pa, 8);
	return v;
}
static void b_write64(void *c, uint64_t pa, uint64_t v)
{
	memcpy((uint8_t *)c + pa, &v, 8);
}
static void b_read(void *c, uint64_t pa, void *buf, uint64_t len)
{
	memcpy(buf, (uint8_t *)c + pa, len);
}
static void b_write(void *c, uint64_t pa, const void *buf, uint64_t len)
{
	memcpy((uint8_t *)c + pa, buf, len);
}
static void *b_direct(void *c, uint64_t pa)
{
	return (uint8_t *)c + pa;
}
static const struct gpuvm_mem_backend ops_plain = {
	b_read64, b_write64, b_read, b_write, NULL,
};
static const struct gpuvm_mem_backend ops_direct = {
	b_read64, b_write64, b_read, b_write, b_direct,
};

/* ---- the reference walker ---- */
struct ref {
	enum gpuvm_mmu_fault_kind kind;
	unsigned int level;
	uint64_t pa, desc, size;
};

static uint64_t sh64(const struct st *s, uint64_t pa)
{
	uint64_t v;

	memcpy(&v, s->shadow + pa, 8);
	return v;
}

static struct ref ref_walk(const struct st *s, uint64_t va,
			   enum gpuvm_mmu_access acc)
{
	unsigned int level = s->va_bits > 39 ? 0 : 1, shift;
	struct ref r = { .kind = GPUVM_MMU_FAULT_ADDRESS_SIZE, .level = level };
	uint64_t table = 0, d;

	if (va >> s->va_bits)
		return r;
	for (;; level++) {
		shift = 12 + 9 * (3 - level);
		r.level = level;
		if (table >= MEMSZ)
			return r;        /* address size, this level */
		d = sh64(s, table + ((va >> shift) & 511) * 8);
		if (level < 3 && (d & 3) == 3) {
			table = d & 0xfffffffff000ull;
			continue;
		}
		break;
	}
	r.kind = GPUVM_MMU_FAULT_TRANSLATION;
	if (!((level == 3 && (d & 3) == 3) ||
	      ((level == 1 || level == 2) && (d & 3) == 1)))
		return r;
	r.desc = d;
	r.size = 1ull << shift;
	r.pa = d & 0xfffffffff000ull & ~(r.size - 1);
	r.kind = GPUVM_MMU_FAULT_ADDRESS_SIZE;
	if (!(d >> 55 & 1) && r.pa + r.size > MEMSZ)
		return r;
	r.kind = GPUVM_MMU_FAULT_ACCESS_FLAG;
	if (!(d >> 10 & 1))
		return r;
	r.kind = GPUVM_MMU_FAULT_PERMISSION;
	if ((acc == GPUVM_MMU_WRITE && (d >> 7 & 1)) ||
	    (acc == GPUVM_MMU_EXEC && (d >> 54 & 1)))
		return r;
	r.kind = GPUVM_MMU_FAULT_NONE;
	r.pa += va & (r.size - 1);
	return r;
}

/* ---- operations ---- */
static uint64_t pick_va(struct st *s);
static void sync_tlb(struct st *s)
{
	if (s->dirty)
		gpuvm_mmu_invalidate_all(s->as);
	s->dirty = false;
}

static void op_desc(struct st *s)
{
	uint64_t frame = take(s, 1) % NTABLES, t = take(s, 2), slot, d;
	uint64_t b = take(s, 1), to;

	/* Mostly the slots the VAs below use, and tables among the first
	 * frames, so that walks go deep; anything at all now and then. */
	slot = frame * 4096 + (t & 0x8000 ? t & 511 : t & 3) * 8;
	to = take(s, 2);
	if (b >> 6 == 3)
		d = to | take(s, 6) << 16;
	else
		d = (b & 0x40 ? to % (MEMSZ / 4096) : to % NTABLES) << 12 |
		    (b & 3) |
		    (b >> 2 & 1) << 10 | (b >> 3 & 1) << 7 |
		    (b >> 4 & 1) << 54 | (uint64_t)(b >> 5 & 1 && b & 1) << 55;
	gpuvm_mem_write64(s->mem, slot, d);
	memcpy(s->shadow + slot, &d, 8);
	touch(s, slot, 8);
	s->dirty = true;
}

/*
 * A whole path for one VA: a table per level (frame 0 the root, then
 * frames 1, 2, 3) down to a leaf at a chosen level, with
 * chosen attributes: what random descriptors alone rarely build.
 */
static void op_path(struct st *s)
{
	uint64_t va = pick_va(s), b = take(s, 1), slot, d;
	unsigned int start = s->va_bits > 39 ? 0 : 1, level = start;
	unsigned int leaf = 1 + (unsigned int)(b % 3);
	uint64_t to = take(s, 2) % (MEMSZ / 4096);

	for (;; level++) {
		unsigned int shift = 12 + 9 * (3 - level);

		slot = (level - start) * 4096ull + (va >> shift & 511) * 8;
		if (level == leaf)
			break;
		d = (uint64_t)(level - start + 1) << 12 | 3;
		gpuvm_mem_write64(s->mem, slot, d);
		memcpy(s->shadow + slot, &d, 8);
		touch(s, slot, 8);
	}
	/* Leaves: a page (3) or a block (1); AF, RO, XN, NULL from b. */
	d = (to << 12 & ~((1ull << (12 + 9 * (3 - leaf))) - 1)) |
	    (leaf == 3 ? 3 : 1) | (uint64_t)!(b & 0x08) << 10 |
	    (b >> 4 & 1) << 7 | (b >> 5 & 1) << 54 |
	    (uint64_t)(b >> 6 == 3) << 55;
	gpuvm_mem_write64(s->mem, slot, d);
	memcpy(s->shadow + slot, &d, 8);
	touch(s, slot, 8);
	s->dirty = true;
}

static void op_data(struct st *s)
{
	uint64_t pa = take(s, 3) % MEMSZ, len = take(s, 1) % 65;
	uint8_t buf[64];

	for (unsigned int i = 0; i < len; i++)
		buf[i] = (uint8_t)take(s, 1);
	if (pa + len > MEMSZ) {
		EXPECT(gpuvm_mem_write(s->mem, pa, buf, len) == -EFAULT);
		return;
	}
	EXPECT(gpuvm_mem_write(s->mem, pa, buf, len) == 0);
	memcpy(s->shadow + pa, buf, len);
	touch(s, pa, len);
	s->dirty = true;
}

static uint64_t pick_va(struct st *s)
{
	uint64_t v = take(s, 2);

	return ((v & 3) << 39 | (v >> 2 & 3) << 30 | (v >> 4 & 3) << 21 |
		(v >> 6 & 7) << 12 | (take(s, 2) & 0xfff)) &
	       ((1ull << (s->va_bits + 1)) - 1);
}

/* A GPU access of up to 64 bytes, checked byte by byte against ref. */
static void op_access(struct st *s, enum gpuvm_mmu_access acc)
{
	uint64_t va = pick_va(s), len = 1 + take(s, 1) % 64, i;
	struct gpuvm_mmu_fault f = { 0 };
	uint8_t got[64], want[64];
	struct ref r[64];
	int ret, bad = -1;

	for (i = 0; i < len; i++)
		want[i] = (uint8_t)take(s, 1);
	for (i = 0; i < len && bad < 0; i++) {
		r[i] = ref_walk(s, va + i, acc);
		if (r[i].kind)
			bad = (int)i;
	}
	sync_tlb(s);
	if (acc == GPUVM_MMU_WRITE)
		ret = gpuvm_mmu_write(s->as, va, want, len, &f);
	else if (acc == GPUVM_MMU_READ)
		ret = gpuvm_mmu_read(s->as, va, got, len, &f);
	else
		ret = gpuvm_mmu_fetch(s->as, va, got, len, &f);
	if (bad >= 0) {
		EXPECT(ret == -EFAULT);
		EXPECT(f.kind == r[bad].kind && f.level == r[bad].level);
		EXPECT(f.addr == va + (uint64_t)bad && f.access == acc);
		return;
	}
	EXPECT(ret == 0);
	for (i = 0; i < len; i++) {
		bool null = r[i].desc >> 55 & 1;

		if (acc != GPUVM_MMU_WRITE)
			EXPECT(got[i] == (null ? 0 : s->shadow[r[i].pa]));
		else if (!null)
			s->shadow[r[i].pa] = want[i];
		if (acc == GPUVM_MMU_WRITE && !null)
			touch(s, r[i].pa, 1);
	}
	s->dirty |= acc == GPUVM_MMU_WRITE;
}

static void op_translate(struct st *s)
{
	uint64_t va = pick_va(s);
	enum gpuvm_mmu_access acc = take(s, 1) % 3;
	struct ref r = ref_walk(s, va, acc);
	struct gpuvm_mmu_fault f = { 0 };
	struct gpuvm_mmu_xlat x;
	struct gpuvm_mmu_hptr h;
	uint8_t *p;
	int ret;

	sync_tlb(s);
	ret = gpuvm_mmu_translate(s->as, va, acc, &x, &f);
	EXPECT(ret == (r.kind ? -EFAULT : 0));
	if (r.kind) {
		EXPECT(f.kind == r.kind && f.level == r.level && f.addr == va);
		return;
	}
	EXPECT(x.desc == r.desc && x.page_size == r.size);
	EXPECT(x.null == (r.desc >> 55 & 1));
	if (x.null)
		return;
	EXPECT(x.pa == r.pa);
	ret = gpuvm_mmu_hptr_get(s->as, va, acc, &h, &f);
	p = gpuvm_mmu_hptr_at(&h, va, 1);
	if (s->kind == 2) {          /* a backend without direct() */
		EXPECT(ret == -EOPNOTSUPP && !p);
		return;
	}
	EXPECT(ret == 0 && p);
	EXPECT(p == (s->kind ? s->ram : (uint8_t *)gpuvm_mem_ptr(s->mem, 0)) +
		    r.pa);
	EXPECT(*p == s->shadow[r.pa]);
}

/* Allocation: refused without an allocator, zeroed from the caller's. */
static void op_alloc(struct st *s)
{
	uint64_t pa = 0, size = 4096ull << (take(s, 1) % 4);
	uint8_t buf[64];

	if (!s->alloc) {
		EXPECT(gpuvm_mem_alloc(s->mem, size, GPUVM_MEM_PT, &pa) ==
		       -EOPNOTSUPP);
		return;
	}
	if (!s->kind)
		return; /* gpuvm's RAM: written free frames are not its case */
	if (gpuvm_mem_alloc(s->mem, size, GPUVM_MEM_BO, &pa))
		return;
	memset(s->shadow + pa, 0, size);
	touch(s, pa, size);
	s->dirty = true;
	EXPECT(gpuvm_mem_read(s->mem, pa + size - 64, buf, 64) == 0);
	for (unsigned int i = 0; i < 64; i++)
		EXPECT(buf[i] == 0);
}

static void setup(struct st *s)
{
	uint8_t b = (uint8_t)take(s, 1);
	struct gpuvm_mem_cfg mc = { .size = MEMSZ };
	struct gpuvm_mmu_as_cfg ac = { 0 };

	s->kind = b % 4;             /* RAM, buffer, backend, backend+direct */
	s->alloc = b >> 2 & 1;
	s->va_bits = 32 + take(s, 1) % 17;
	mc.no_allocator = !s->alloc;
	s->shadow = calloc(1, MEMSZ);
	EXPECT(s->shadow);
	if (s->kind) {
		s->ram = calloc(1, MEMSZ);
		EXPECT(s->ram);
	}
	if (s->kind == 1)
		mc.buffer = s->ram;
	else if (s->kind)
		mc.backend = s->kind == 2 ? &ops_plain : &ops_direct;
	mc.cookie = s->ram;
	EXPECT(gpuvm_mem_create(&mc, &s->mem) == 0);
	ac.mem = s->mem;
	ac.va_bits = s->va_bits;
	ac.concurrent = b >> 3 & 1;
	ac.tlb_entries = 16;
	EXPECT(gpuvm_mmu_as_create(&ac, &s->as) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct st s = { .in = data, .len = size };
	uint8_t buf[4096];
	unsigned int n;

	if (!size)
		return 0;
	setup(&s);
	for (n = 0; s.len && n < 4096; n++) {
		switch (take(&s, 1) % 8) {
		case 0: op_desc(&s); break;
		case 1: op_path(&s); break;
		case 2: op_data(&s); break;
		case 3: op_access(&s, GPUVM_MMU_READ); break;
		case 4: op_access(&s, GPUVM_MMU_WRITE); break;
		case 5: op_access(&s, GPUVM_MMU_EXEC); break;
		case 6: op_translate(&s); break;
		case 7: op_alloc(&s); break;
		}
	}
	/* Memory is what the shadow says: every frame that changed, and the
	 * first bytes of the others (zero). */
	for (uint64_t pa = 0; pa < MEMSZ; pa += sizeof(buf)) {
		uint64_t f = pa / 4096, k = s.touched[f / 64] >> (f % 64) & 1 ?
					    sizeof(buf) : 64;

		EXPECT(gpuvm_mem_read(s.mem, pa, buf, k) == 0);
		EXPECT(!memcmp(buf, s.shadow + pa, k));
	}
	gpuvm_mmu_as_destroy(s.as);
	gpuvm_mem_destroy(s.mem);
	free(s.ram);
	free(s.shadow);
	return 0;
}
