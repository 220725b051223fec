// SPDX-License-Identifier: MIT
/*
 * DOC: driver-level churn
 *
 * What va_bench.c measures in the VA manager alone, through the whole
 * driver: N live BO mappings, then random slots replaced (UNMAP the slot,
 * MAP it again at another BO offset), each op one gpuvm_drv_vm_bind()
 * with validation, VA op lists, table reservation, descriptor writes,
 * pruning and TLB invalidation included. ns/op at N = 1K, 100K and 1M
 * shows how the cost grows with what the VM holds.
 *
 * Sizes are 4 KiB x 2^k, k uniform in 0..9 (4 KiB..2 MiB, log-uniform as
 * allocations tend to be). Each slot keeps its size class, and slots of
 * one class sit side by side, so neighbours share table pages as in a
 * real heap: 1M live mappings take ~100K table pages (400 MiB). One
 * table per mapping, what 4 MiB-spaced slots would give, would be 4 GiB.
 * Every mapping maps the same 2 MiB BO (at an offset aligned to its
 * size), so BO memory stays 2 MiB whatever N is; 2 MiB mappings are
 * blocks, the rest 4 KiB pages.
 *
 * The device is set up once per N: making the N mappings is not timed
 * (the note gives how long it took). Each repetition is then one batch
 * of replacements on that VM; descriptor writes are the batch's own.
 */
#include <errno.h>
#include <stdio.h>

#include "bench.h"

#define CLASSES 10
#define BASE_VA (1ull << 32)
#define BO_SIZE GPUVM_SZ_2M

struct churn {
	struct bench_vm b;
	uint32_t bo;
	uint64_t live, iters, seed;
	uint64_t base[CLASSES];    /* VA of each class's first slot */
};

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* Slots of class k: every CLASSES-th slot from k. */
static uint64_t class_slots(uint64_t live, unsigned int k)
{
	return live > k ? (live - k + CLASSES - 1) / CLASSES : 0;
}

static uint64_t slot_size(uint64_t slot)
{
	return GPUVM_SZ_4K << (slot % CLASSES);
}

static uint64_t slot_va(const struct churn *c, uint64_t slot)
{
	return c->base[slot % CLASSES] + slot / CLASSES * slot_size(slot);
}

/* Lays the classes out from BASE_VA; returns the table pages they need. */
static uint64_t layout(struct churn *c)
{
	uint64_t va = BASE_VA, pages = 16;
	unsigned int k;

	for (k = 0; k < CLASSES; k++) {
		uint64_t bytes = class_slots(c->live, k) * (GPUVM_SZ_4K << k);

		c->base[k] = va;
		va = round_up(va + bytes, GPUVM_SZ_2M);
		if (k < 9)
			pages += bytes / GPUVM_SZ_2M + 1;
	}
	return pages + (va >> 30) + 1;
}

static uint64_t pow2_at_least(uint64_t x)
{
	uint64_t p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

static int map_slot(struct churn *c, uint64_t slot)
{
	uint64_t size = slot_size(slot);
	uint64_t off = bench_rng(&c->seed) % (BO_SIZE / size) * size;

	return bench_vm_bind1(&c->b, GPUVM_DRV_OP_TYPE_MAP |
			      GPUVM_DRV_OP_MAP_NOEXEC, c->bo, off,
			      slot_va(c, slot), size);
}

static int unmap_slot(struct churn *c, uint64_t slot)
{
	return bench_vm_bind1(&c->b, GPUVM_DRV_OP_TYPE_UNMAP, 0, 0,
			      slot_va(c, slot), slot_size(slot));
}

static int churn_setup(struct churn *c, double *setup_ns)
{
	struct gpuvm_drv_device_cfg cfg = { .unchecked = true };
	uint64_t i, t0;
	int ret;

	cfg.ram = pow2_at_least(layout(c) * GPUVM_SZ_4K * 2 + 64 * GPUVM_SZ_2M);
	ret = bench_vm_open(&c->b, &cfg);
	if (ret)
		return ret;
	ret = gpuvm_drv_bo_create(c->b.file, BO_SIZE, 0, 0, &c->bo);
	t0 = bench_now_ns();
	for (i = 0; !ret && i < c->live; i++)
		ret = map_slot(c, i);
	*setup_ns = (double)(bench_now_ns() - t0);
	return ret;
}

static int churn_batch(void *ctx, struct bench_sample *s)
{
	struct churn *c = ctx;
	struct bench_sample before;
	uint64_t i, t0;
	int ret = bench_vm_counts(&c->b, &before);

	t0 = bench_now_ns();
	for (i = 0; !ret && i < c->iters; i++) {
		uint64_t slot = bench_rng(&c->seed) % c->live;

		ret = unmap_slot(c, slot);
		if (!ret)
			ret = map_slot(c, slot);
	}
	s->ns = (double)(bench_now_ns() - t0);
	s->ops = 2 * c->iters;
	if (!ret)
		ret = bench_vm_counts(&c->b, s);
	s->pte_writes -= before.pte_writes;
	return ret;
}

static int churn_one(struct bench_report *r, const struct bench_opts *o,
		     uint64_t live, unsigned int idx)
{
	struct churn c = {
		.live = live, .iters = o->quick ? 2000 : 100000,
		.seed = 0x9e3779b97f4a7c15ull,
	};
	struct bench_row *row = NULL;
	char key[32], name[64];
	double setup_ns = 0;
	int ret = churn_setup(&c, &setup_ns);

	snprintf(key, sizeof(key), "churn.drv.%u", idx);
	snprintf(name, sizeof(name), "drv map+unmap, %llu live",
		 (unsigned long long)live);
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), "churn: driver (VM_BIND + "
				   "page tables)", key, name, churn_batch, &c,
				   &row);
	if (!ret)
		snprintf(row->note, sizeof(row->note), "setup (%llu maps, "
			 "%.2f s) not timed; sizes 4 KiB x 2^(0..9)",
			 (unsigned long long)live, setup_ns / 1e9);
	if (!ret)
		ret = gpuvm_drv_vm_check(c.b.file, c.b.vm, stderr);
	bench_vm_close(&c.b);
	return ret;
}

int bench_churn(struct bench_report *r, const struct bench_opts *o)
{
	static const uint64_t sizes[] = { 1000, 100000, 1000000 };
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t live = sizes[i];

		if (o->quick && live > 10000)
			live = 10000;
		if (o->quick && i == 2)
			break; /* 10000 already ran */
		ret = churn_one(r, o, live, i);
	}
	return ret;
}
