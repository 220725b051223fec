// SPDX-License-Identifier: MIT
/*
 * DOC: a copy engine device model over gpuvm (examples/embed/dma.c)
 *
 * The device owns its RAM: a plain buffer handed to gpuvm as caller-owned
 * memory with no frame allocator. A "guest driver" writes VMSAv8-64
 * tables into it by hand and programs address space 0 through the Mali
 * AS registers (TRANSTAB, MEMATTR, TRANSCFG, COMMAND). The engine copies
 * between GPU virtual addresses through the register model, and a fault
 * lands in FAULTSTATUS and FAULTADDRESS as on hardware. Every result is
 * checked; any mismatch exits 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpuvm/masreg.h"

#define RAM_SIZE (4u << 20)
#define AS0 0u          /* offset of AS 0 inside the MMU register block */
#define ENGINE_ID 7u    /* the engine's source id in FAULTSTATUS */

static int failures;

#define CHECK(cond) do { if (!(cond)) { failures++; \
	fprintf(stderr, "dma: line %d: %s\n", __LINE__, #cond); } } while (0)

/* ---- the device: RAM, the MMU's AS 0, and a one-shot copy engine ---- */
struct dma_dev {
	_Alignas(4096) uint8_t ram[RAM_SIZE];
	struct gpuvm_mem *mem;
	struct gpuvm_masreg *as;
};

/* The guest's MMIO write and read of AS 0's registers. */
static void mmio_w(struct dma_dev *d, uint32_t reg, uint32_t v)
{
	CHECK(gpuvm_masreg_write32(d->as, AS0 + reg, v) == 0);
}

static uint32_t mmio_r(struct dma_dev *d, uint32_t reg)
{
	uint32_t v = 0;

	CHECK(gpuvm_masreg_read32(d->as, AS0 + reg, &v) == 0);
	return v;
}

static void mmio_w64(struct dma_dev *d, uint32_t reg, uint64_t v)
{
	mmio_w(d, reg, (uint32_t)v);
	mmio_w(d, reg + 4, (uint32_t)(v >> 32));
}

/* The engine: copies len bytes, 256 at a time; 0 or -EFAULT. */
static int engine_copy(struct dma_dev *d, uint64_t src, uint64_t dst,
		       size_t len)
{
	uint8_t chunk[256];

	for (size_t n; len; src += n, dst += n, len -= n) {
		n = len < sizeof(chunk) ? len : sizeof(chunk);
		if (gpuvm_masreg_access(d->as, GPUVM_MMU_READ, ENGINE_ID, src,
					chunk, n, NULL) ||
		    gpuvm_masreg_access(d->as, GPUVM_MMU_WRITE, ENGINE_ID, dst,
					chunk, n, NULL))
			return -1; /* the fault is in the registers now */
	}
	return 0;
}

/* ---- the guest: tables by hand, at addresses it picks ---- */
#define ROOT   0x1000u      /* level 1 (39-bit VA starts there) */
#define L2     0x2000u
#define L3     0x3000u
#define SRC_PA 0x100000u    /* two pages */
#define DST_PA 0x200000u
#define RO_PA  0x201000u
#define NEW_PA 0x300000u
#define VA     0x40000000ull  /* L1 index 1, L2 index 0 */

#define DESC_TABLE 0x3ull
#define DESC_PAGE  0x3ull
#define DESC_AF    (1ull << 10)
#define DESC_RO    (1ull << 7)

static void put64(struct dma_dev *d, uint64_t pa, uint64_t v)
{
	memcpy(d->ram + pa, &v, 8); /* a little-endian host */
}

static void guest_map_page(struct dma_dev *d, unsigned int idx, uint64_t pa,
			   uint64_t attrs)
{
	put64(d, L3 + 8 * idx, pa | attrs | DESC_AF | DESC_PAGE);
}

static void guest_setup(struct dma_dev *d)
{
	put64(d, ROOT + 8 * 1, L2 | DESC_TABLE);
	put64(d, L2 + 8 * 0, L3 | DESC_TABLE);
	guest_map_page(d, 0, SRC_PA, 0);
	guest_map_page(d, 1, SRC_PA + 0x1000, 0);
	guest_map_page(d, 2, DST_PA, 0);
	guest_map_page(d, 3, RO_PA, DESC_RO);
	for (unsigned int i = 0; i < 0x2000; i++)
		d->ram[SRC_PA + i] = (uint8_t)(i * 7 + 3);

	/* Program AS 0 and apply it, as panthor's as_enable() does. */
	mmio_w64(d, GPUVM_MASREG_TRANSTAB_LO, ROOT);
	mmio_w64(d, GPUVM_MASREG_MEMATTR_LO, 0x4848484848484848ull);
	mmio_w64(d, GPUVM_MASREG_TRANSCFG_LO, GPUVM_MASREG_ADRMODE_AARCH64_4K |
		 GPUVM_MASREG_INA_BITS(39));
	mmio_w(d, GPUVM_MASREG_COMMAND, GPUVM_MASREG_CMD_UPDATE);
	CHECK(!(mmio_r(d, GPUVM_MASREG_STATUS) & GPUVM_MASREG_STATUS_ACTIVE));
}

static uint64_t fault_address(struct dma_dev *d)
{
	return mmio_r(d, GPUVM_MASREG_FAULTADDRESS_LO) |
	       (uint64_t)mmio_r(d, GPUVM_MASREG_FAULTADDRESS_HI) << 32;
}

int main(void)
{
	struct dma_dev *d = aligned_alloc(4096, sizeof(*d));
	struct gpuvm_mem_cfg mc = { .size = RAM_SIZE, .no_allocator = true };
	struct gpuvm_masreg_cfg rc = { 0 };
	uint32_t fs;

	if (!d)
		return 1;
	memset(d->ram, 0, RAM_SIZE);
	mc.buffer = d->ram;
	CHECK(gpuvm_mem_create(&mc, &d->mem) == 0);
	rc.mem = d->mem;
	CHECK(gpuvm_masreg_create(&rc, &d->as) == 0);
	if (failures)
		return 1;
	guest_setup(d);

	/* 1. A copy across the two source pages lands in DST_PA. */
	CHECK(engine_copy(d, VA + 0x800, VA + 0x2000, 0x1000) == 0);
	CHECK(!memcmp(d->ram + DST_PA, d->ram + SRC_PA + 0x800, 0x1000));
	CHECK(!gpuvm_masreg_fault_pending(d->as));

	/* 2. A write to the read-only page: PERM_FAULT_3, a write, ours. */
	CHECK(engine_copy(d, VA, VA + 0x3000 + 0x40, 16) == -1);
	fs = mmio_r(d, GPUVM_MASREG_FAULTSTATUS);
	CHECK((fs & 0xff) == GPUVM_MASREG_EXC_PERMISSION(3));
	CHECK((fs >> 8 & 3) == GPUVM_MASREG_ACCESS_WRITE);
	CHECK(fs >> 16 == ENGINE_ID);
	CHECK(fault_address(d) == VA + 0x3040);
	CHECK(d->ram[RO_PA + 0x40] == 0);
	printf("dma: fault %#x (%s) at %#llx\n", fs,
	       gpuvm_masreg_exception_name(fs & 0xff),
	       (unsigned long long)fault_address(d));
	CHECK(gpuvm_masreg_fault_clear(d->as) == 0);

	/* 3. A read of an unmapped page: TRANSLATION_FAULT_3, a read. */
	CHECK(engine_copy(d, VA + 0x5000, VA + 0x2000, 8) == -1);
	fs = mmio_r(d, GPUVM_MASREG_FAULTSTATUS);
	CHECK((fs & 0xff) == GPUVM_MASREG_EXC_TRANSLATION(3));
	CHECK((fs >> 8 & 3) == GPUVM_MASREG_ACCESS_READ);
	CHECK(fault_address(d) == VA + 0x5000);
	CHECK(gpuvm_masreg_fault_clear(d->as) == 0);

	/*
	 * 4. The guest moves the destination page. Until it flushes, the
	 * TLB still holds the old translation; LOCKADDR + FLUSH_PT drops it,
	 * as a driver's unmap/remap sequence does.
	 */
	guest_map_page(d, 2, NEW_PA, 0);
	CHECK(engine_copy(d, VA + 0x10, VA + 0x2000, 8) == 0);
	CHECK(!memcmp(d->ram + DST_PA, d->ram + SRC_PA + 0x10, 8));
	mmio_w64(d, GPUVM_MASREG_LOCKADDR_LO,
		 gpuvm_masreg_lockaddr(VA + 0x2000, 0x1000));
	mmio_w(d, GPUVM_MASREG_COMMAND, GPUVM_MASREG_CMD_FLUSH_PT);
	CHECK(engine_copy(d, VA, VA + 0x2000, 64) == 0);
	CHECK(!memcmp(d->ram + NEW_PA, d->ram + SRC_PA, 64));
	CHECK(d->ram[DST_PA + 8] == d->ram[SRC_PA + 0x808]); /* left alone */

	gpuvm_masreg_destroy(d->as);
	gpuvm_mem_destroy(d->mem);
	free(d);
	if (failures)
		return 1;
	printf("dma: all checks passed\n");
	return 0;
}
