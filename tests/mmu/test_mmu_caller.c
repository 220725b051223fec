// SPDX-License-Identifier: MIT
/*
 * DOC: the MMU over caller-owned memory, against a reference walker
 *
 * A "guest" writes VMSAv8-64 tables by hand, raw descriptor bits, at
 * physical addresses it picks, into memory it owns: a buffer
 * (cfg.buffer) or an array behind a backend (cfg.backend), with no frame
 * allocator. For every VA width the MMU supports (32..48) and every page
 * size set the page tables support (4 KiB alone, with 2 MiB, with 1 GiB,
 * with both), random mappings of those sizes are written, and every
 * translation, read, write and fault the MMU gives is compared with a
 * walker written here from the architecture's rules, which reads the
 * guest's bytes directly. Then what only caller-owned memory has: the
 * lock-free path is not taken over a backend (no base to read), host
 * pointers come from the backend's direct() hook or are refused, and
 * the page-table module refuses memory it cannot allocate from.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "../mem/mem_test.h"

#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"

#define MEMSZ SZ_1G
#define NMAPS 24
#define NPROBES 64

enum { PG_4K = 1, PG_2M = 2, PG_1G = 4 };

struct guest {
	uint8_t *ram;           /* the caller's bytes, MEMSZ */
	uint64_t next_table;    /* bump allocator for table frames */
	uint64_t root;
	unsigned int va_bits;
	uint64_t rng;
	uint64_t backend_calls;
};

static uint64_t rnd(struct guest *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

static uint64_t rd64(const struct guest *g, uint64_t pa)
{
	uint64_t v;

	memcpy(&v, g->ram + pa, 8);
	return v;
}

static void wr64(struct guest *g, uint64_t pa, uint64_t v)
{
	memcpy(g->ram + pa, &v, 8);
}

/* ------------------------------------------------------------------ */
/* The reference walker: 4 KiB granule, levels 0..3                     */

struct ref {
	bool ok;
	unsigned int level;     /* where it stopped */
	int kind;               /* GPUVM_MMU_FAULT_* */
	uint64_t pa;            /* the byte's output address */
	uint64_t desc;
};

static unsigned int level_shift(unsigned int level)
{
	return 12 + 9 * (3 - level);
}

static struct ref ref_walk(const struct guest *g, uint64_t va)
{
	unsigned int level = g->va_bits > 39 ? 0 : 1;
	uint64_t table = g->root, d;
	struct ref r = { .kind = GPUVM_MMU_FAULT_NONE };

	if (va >> g->va_bits) {
		r.kind = GPUVM_MMU_FAULT_ADDRESS_SIZE;
		r.level = level;
		return r;
	}
	for (;; level++) {
		uint64_t idx = (va >> level_shift(level)) & 511;

		r.level = level;
		d = rd64(g, table + idx * 8);
		if (level < 3 && (d & 3) == 3) {
			table = d & 0xfffffffff000ull;
			continue;
		}
		if (!((level == 3 && (d & 3) == 3) ||
		      ((level == 1 || level == 2) && (d & 3) == 1))) {
			r.kind = GPUVM_MMU_FAULT_TRANSLATION;
			return r;
		}
		break;
	}
	r.desc = d;
	if (!(d & (1ull << 10))) {
		r.kind = GPUVM_MMU_FAULT_ACCESS_FLAG;
		return r;
	}
	r.ok = true;
	r.pa = (d & 0xfffffffff000ull & ~((1ull << level_shift(level)) - 1)) |
	       (va & ((1ull << level_shift(level)) - 1));
	return r;
}

/* ------------------------------------------------------------------ */
/* The guest: writing tables by hand                                     */

static uint64_t new_table(struct guest *g)
{
	uint64_t pa = g->next_table;

	g->next_table += SZ_4K;
	assert_true(g->next_table <= 64 * SZ_1M);
	memset(g->ram + pa, 0, SZ_4K);
	return pa;
}

/*
 * Maps va (aligned) to pa with a leaf at `level`, creating tables on the
 * way. False, changing nothing, if something else is in the way.
 */
static bool guest_map(struct guest *g, uint64_t va, uint64_t pa,
		      unsigned int leaf_level, uint64_t attrs)
{
	unsigned int level = g->va_bits > 39 ? 0 : 1;
	uint64_t table = g->root, slot, d;

	for (;; level++) {
		slot = table + ((va >> level_shift(level)) & 511) * 8;
		d = rd64(g, slot);
		if (level == leaf_level)
			break;
		if ((d & 3) == 3) {
			table = d & 0xfffffffff000ull;
			continue;
		}
		if (d)
			return false;
		table = new_table(g);
		wr64(g, slot, table | 3);
	}
	if (d)
		return false;
	wr64(g, slot, pa | attrs | (leaf_level == 3 ? 3 : 1));
	return true;
}

/* ------------------------------------------------------------------ */
/* The two kinds of caller-owned memory                                 */

static uint64_t be_read64(void *c, uint64_t pa)
{
	struct guest *g = c;

	g->backend_calls++;
	return rd64(g, pa);
}

static void be_write64(void *c, uint64_t pa, uint64_t v)
{
	struct guest *g = c;

	g->backend_calls++;
	wr64(g, pa, v);
}

static void be_read(void *c, uint64_t pa, void *buf, uint64_t len)
{
	struct guest *g = c;

	g->backend_calls++;
	memcpy(buf, g->ram + pa, len);
}

static void be_write(void *c, uint64_t pa, const void *buf, uint64_t len)
{
	struct guest *g = c;

	g->backend_calls++;
	memcpy(g->ram + pa, buf, len);
}

static void *be_direct(void *c, uint64_t pa)
{
	struct guest *g = c;

	/* The first 16 MiB are "RAM" with a host address; the rest not. */
	return pa < 16 * SZ_1M ? g->ram + pa : NULL;
}

static const struct gpuvm_mem_backend be_ops = {
	.read64 = be_read64, .write64 = be_write64,
	.read = be_read, .write = be_write,
};

static const struct gpuvm_mem_backend be_ops_direct = {
	.read64 = be_read64, .write64 = be_write64,
	.read = be_read, .write = be_write, .direct = be_direct,
};

static struct gpuvm_mem *guest_mem(struct guest *g, int kind)
{
	struct gpuvm_mem_cfg cfg = { .size = MEMSZ, .no_allocator = true };
	struct gpuvm_mem *mem = NULL;

	g->ram = mmap(NULL, MEMSZ, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(g->ram != MAP_FAILED);
	g->next_table = SZ_1M;
	g->backend_calls = 0;
	if (kind == 0) {
		cfg.buffer = g->ram;
	} else {
		cfg.backend = kind == 1 ? &be_ops : &be_ops_direct;
		cfg.cookie = g;
	}
	assert_int_equal(gpuvm_mem_create(&cfg, &mem), 0);
	return mem;
}

static void guest_free(struct guest *g, struct gpuvm_mem *mem)
{
	gpuvm_mem_destroy(mem);
	munmap(g->ram, MEMSZ);
}

/* ------------------------------------------------------------------ */
/* Random tables, checked                                               */

static uint64_t va_of(struct guest *g, unsigned int level)
{
	uint64_t align = 1ull << level_shift(level);

	return rnd(g) & ((1ull << g->va_bits) - 1) & ~(align - 1);
}

static uint64_t pa_of(struct guest *g, unsigned int level)
{
	uint64_t align = 1ull << level_shift(level);

	/* Data above the tables (which live below 64 MiB). */
	if (level == 1)
		return 0;
	return (64 * SZ_1M + (rnd(g) % (MEMSZ - 64 * SZ_1M - align))) &
	       ~(align - 1);
}

static unsigned int pick_level(struct guest *g, unsigned int set)
{
	for (;;) {
		unsigned int l = 1 + (unsigned int)(rnd(g) % 3);

		if ((l == 3 && (set & PG_4K)) || (l == 2 && (set & PG_2M)) ||
		    (l == 1 && (set & PG_1G)))
			return l;
	}
}

/* One probe: translation, a 16-byte read and a write, against ref. */
static void probe(struct guest *g, struct gpuvm_mmu_as *as, uint64_t va)
{
	struct ref r = ref_walk(g, va);
	struct gpuvm_mmu_fault f = { 0 };
	struct gpuvm_mmu_xlat x;
	uint8_t got[16], want[16];
	uint64_t len = 16 - (va & 15);  /* stays inside its page */
	int ret;

	ret = gpuvm_mmu_translate(as, va, GPUVM_MMU_READ, &x, &f);
	if (!r.ok) {
		assert_int_equal(ret, -EFAULT);
		assert_int_equal(f.kind, r.kind);
		assert_int_equal(f.level, r.level);
		assert_int_equal(f.addr, va);
		assert_int_equal(gpuvm_mmu_read(as, va, got, 1, NULL), -EFAULT);
		return;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(x.pa, r.pa);
	assert_int_equal(x.desc, r.desc);
	assert_int_equal(x.page_size, 1ull << level_shift(r.level));
	assert_int_equal(gpuvm_mmu_read(as, va, got, len, &f), 0);
	assert_memory_equal(got, g->ram + r.pa, len);
	/* Writes stay out of the tables (a 1 GiB block at 0 covers them). */
	if (r.pa >= SZ_1M && r.pa < 64 * SZ_1M)
		return;
	for (unsigned int i = 0; i < len; i++)
		want[i] = (uint8_t)rnd(g);
	assert_int_equal(gpuvm_mmu_write(as, va, want, len, &f), 0);
	assert_memory_equal(g->ram + r.pa, want, len);
}

static void run_case(unsigned int va_bits, unsigned int set, int kind,
		     bool concurrent)
{
	struct guest g = { .va_bits = va_bits };
	struct gpuvm_mem *mem = guest_mem(&g, kind);
	struct gpuvm_mmu_as_cfg cfg = {
		.mem = mem, .va_bits = va_bits, .concurrent = concurrent,
	};
	uint64_t vas[NMAPS], nmapped = 0;
	struct gpuvm_mmu_as *as;
	unsigned int i;

	g.rng = 0x9e3779b97f4a7c15ull ^ (va_bits * 131 + set * 7 + (unsigned)kind);
	g.root = new_table(&g);
	/* Small widths have few slots: try more, settle for fewer. */
	for (i = 0; i < 4 * NMAPS && nmapped < NMAPS; i++) {
		unsigned int l = pick_level(&g, set);
		uint64_t va = va_of(&g, l), pa = pa_of(&g, l);
		uint64_t attrs = 1ull << 10;    /* AF */

		if (i % 7 == 6)
			attrs = 0;              /* access flag faults too */
		if (!guest_map(&g, va, pa, l, attrs))
			continue;
		vas[nmapped++] = va;
		/* Something to read: the guest's data at the page. */
		for (unsigned int b = 0; b < 64; b++)
			g.ram[pa + b] = (uint8_t)rnd(&g);
	}
	assert_true(nmapped >= 4);
	cfg.root = g.root;
	assert_int_equal(gpuvm_mmu_as_create(&cfg, &as), 0);
	for (i = 0; i < nmapped; i++) {
		probe(&g, as, vas[i] + (rnd(&g) & 0x3f));
		probe(&g, as, vas[i] + (rnd(&g) & 0x3f)); /* TLB hit */
	}
	for (i = 0; i < NPROBES; i++)
		probe(&g, as, rnd(&g) & ((1ull << (va_bits + 1)) - 1));
	if (kind)
		assert_true(g.backend_calls > 0);
	gpuvm_mmu_as_destroy(as);
	guest_free(&g, mem);
}

static void test_every_width_and_size_set(void **state)
{
	static const unsigned int sets[] = {
		PG_4K, PG_4K | PG_2M, PG_4K | PG_1G, PG_4K | PG_2M | PG_1G,
	};

	(void)state;
	for (unsigned int bits = 32; bits <= 48; bits++)
		for (unsigned int s = 0; s < 4; s++)
			for (int kind = 0; kind < 2; kind++)
				run_case(bits, sets[s], kind, bits & 1);
}

/* ------------------------------------------------------------------ */
/* What caller-owned memory changes                                      */

/* Concurrent mode over a backend: reads take the locked path, and hit. */
static void test_backend_concurrent_reads(void **state)
{
	struct guest g = { .va_bits = 39 };
	struct gpuvm_mem *mem = guest_mem(&g, 1);
	struct gpuvm_mmu_as_cfg cfg = { .mem = mem, .va_bits = 39,
					.concurrent = true };
	struct gpuvm_mmu_stats st;
	struct gpuvm_mmu_as *as;
	uint64_t v = 0;

	(void)state;
	g.root = new_table(&g);
	assert_true(guest_map(&g, 0x40000000, 0x8000000, 3, 1ull << 10));
	wr64(&g, 0x8000010, 0x1234567890abcdefull);
	cfg.root = g.root;
	assert_int_equal(gpuvm_mmu_as_create(&cfg, &as), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(gpuvm_mmu_read(as, 0x40000010, &v, 8, NULL), 0);
		assert_int_equal(v, 0x1234567890abcdefull);
	}
	gpuvm_mmu_stats(as, &st);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.walk_reads, 3);
	gpuvm_mmu_as_destroy(as);
	guest_free(&g, mem);
}

static void test_host_pointers(void **state)
{
	struct gpuvm_mmu_as_cfg cfg = { .va_bits = 39 };
	struct gpuvm_mmu_fault f = { 0 };
	struct gpuvm_mmu_hptr h;
	struct gpuvm_mmu_as *as;
	struct gpuvm_mem *mem;
	struct guest g = { .va_bits = 39 };

	(void)state;
	for (int kind = 0; kind < 3; kind++) {
		mem = guest_mem(&g, kind);
		g.root = new_table(&g);
		/* One page in direct() "RAM", one outside it. */
		assert_true(guest_map(&g, 0x10000, 0x200000, 3, 1ull << 10));
		assert_true(guest_map(&g, 0x20000, 0x2000000, 3, 1ull << 10));
		cfg.mem = mem;
		cfg.root = g.root;
		assert_int_equal(gpuvm_mmu_as_create(&cfg, &as), 0);
		memset(&h, 0, sizeof(h));
		if (kind == 1) {
			/* No direct(): refused, and h has no address. */
			assert_int_equal(gpuvm_mmu_hptr_get(as, 0x10008,
				GPUVM_MMU_READ, &h, &f), -EOPNOTSUPP);
			assert_null(gpuvm_mmu_hptr_at(&h, 0x10008, 8));
		} else {
			assert_int_equal(gpuvm_mmu_hptr_get(as, 0x10008,
				GPUVM_MMU_WRITE, &h, &f), 0);
			assert_ptr_equal(gpuvm_mmu_hptr_at(&h, 0x10008, 8),
					 g.ram + 0x200008);
		}
		memset(&h, 0, sizeof(h));
		if (kind == 2) {
			assert_int_equal(gpuvm_mmu_hptr_get(as, 0x20000,
				GPUVM_MMU_READ, &h, &f), -EOPNOTSUPP);
			assert_null(gpuvm_mmu_hptr_at(&h, 0x20000, 8));
		} else if (kind == 0) {
			assert_int_equal(gpuvm_mmu_hptr_get(as, 0x20000,
				GPUVM_MMU_READ, &h, &f), 0);
			assert_ptr_equal(gpuvm_mmu_hptr_at(&h, 0x20010, 8),
					 g.ram + 0x2000010);
		}
		gpuvm_mmu_as_destroy(as);
		guest_free(&g, mem);
	}
}

/* Page tables need an allocator and host pointers; they say so. */
static void test_pt_refuses(void **state)
{
	struct gpuvm_pt_cfg pc = { .va_bits = 48,
				   .pgsizes = GPUVM_PT_PGSIZE_4K };
	struct gpuvm_mem_cfg mc = { .size = 64 * SZ_4K };
	struct gpuvm_pt *pt = NULL;
	struct guest g = { 0 };

	(void)state;
	pc.mem = guest_mem(&g, 1);              /* a backend */
	assert_int_equal(gpuvm_pt_create(&pc, &pt), -EOPNOTSUPP);
	assert_null(pt);
	guest_free(&g, pc.mem);
	mc.no_allocator = true;                 /* the built-in RAM */
	assert_int_equal(gpuvm_mem_create(&mc, &pc.mem), 0);
	assert_int_equal(gpuvm_pt_create(&pc, &pt), -EOPNOTSUPP);
	assert_null(pt);
	gpuvm_mem_destroy(pc.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_width_and_size_set),
		cmocka_unit_test(test_backend_concurrent_reads),
		cmocka_unit_test(test_host_pointers),
		cmocka_unit_test(test_pt_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
