// SPDX-License-Identifier: MIT
/*
 * DOC: Mali address-space register model
 *
 * One AS's registers (include/gpuvm/masreg.h has the map) over one MMU
 * address space. The registers hold what was written; the commands turn
 * them into MMU calls: UPDATE into gpuvm_mmu_as_update(), LOCK into
 * gpuvm_mmu_lock_region(), UNLOCK and the flushes into an invalidation
 * of the lock region and gpuvm_mmu_unlock_region(). The lock region is
 * decoded once, by gpuvm_masreg_lock_range(), the hardware's rounding in
 * one place; the MMU's own rounding then leaves it as it is (it is
 * already a naturally aligned power of two of at least 32 KiB).
 *
 * Faults are latched by the model's fault hook on the address space, so
 * that accesses made directly on the address space latch too. The hook
 * runs in the faulting thread without the AS's lock (mmu.h); it takes
 * the register lock to latch, drops it, and only then calls the user's
 * hook, which may write registers (a driver's fault handler issuing
 * LOCK and FLUSH_PT). The unit that made the access (FAULTSTATUS's
 * source id) reaches the hook through a thread-local variable that
 * gpuvm_masreg_access() sets around the MMU call: the hook runs in the
 * accessing thread, inside that call, so it is exact; accesses made
 * straight on the address space find 0 there.
 *
 * Locks: the register lock (concurrent mode only) is taken before the
 * AS's; nothing that holds the AS's lock takes the register lock (the
 * fault hook runs with the AS unlocked). STATUS is read without the
 * register lock, so that another thread sees AS_ACTIVE while a command
 * runs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gpuvm/masreg.h"

struct gpuvm_masreg {
	struct gpuvm_mmu_as *as;
	bool concurrent;
	pthread_mutex_t lock;
	/* Registers as written. */
	uint64_t transtab, memattr, lockaddr, transcfg;
	/* What the last UPDATE applied: the mode translates or not. */
	bool enabled;
	/* The region LOCK took, until an UNLOCK or flush releases it. */
	bool locked;
	uint64_t lock_first, lock_last;
	/* The latched fault and the AS's fault interrupt. */
	uint32_t faultstatus;
	uint64_t faultaddress;
	bool pending;
	unsigned int active;      /* commands running: STATUS.AS_ACTIVE */
	gpuvm_mmu_fault_fn fn;
	void *cookie;
};

/* The unit gpuvm_masreg_access() is accessing for, in this thread. */
static _Thread_local uint16_t current_source;

static void reg_lock(const struct gpuvm_masreg *r)
{
	if (r->concurrent)
		pthread_mutex_lock((pthread_mutex_t *)&r->lock);
}

static void reg_unlock(const struct gpuvm_masreg *r)
{
	if (r->concurrent)
		pthread_mutex_unlock((pthread_mutex_t *)&r->lock);
}

/* ------------------------------------------------------------------ */
/* Encodings                                                           */

int gpuvm_masreg_lock_range(uint64_t lockaddr, uint64_t *first,
			    uint64_t *last)
{
	unsigned int log2 = (unsigned int)(lockaddr &
					   GPUVM_MASREG_LOCKADDR_SIZE_MASK) + 1;
	uint64_t size;

	if (!first || !last)
		return -EINVAL;
	/* Below the minimum the hardware rounds up, as kbase clamps. */
	if (log2 < GPUVM_MASREG_LOCK_MIN_LOG2)
		log2 = GPUVM_MASREG_LOCK_MIN_LOG2;
	if (log2 >= 64) {
		*first = 0;
		*last = UINT64_MAX;
		return 0;
	}
	size = 1ull << log2;
	*first = lockaddr & GPUVM_MASREG_LOCKADDR_BASE_MASK & ~(size - 1);
	*last = *first + size - 1;
	return 0;
}

uint64_t gpuvm_masreg_lockaddr(uint64_t start, uint64_t size)
{
	uint64_t last = start + size - 1, diff;
	unsigned int log2;

	if (!size)
		return 0;
	if (last < start)
		last = UINT64_MAX;
	/* The highest bit that differs is the smallest block holding both. */
	diff = start ^ last;
	log2 = diff ? 64 - (unsigned int)__builtin_clzll(diff) : 0;
	if (log2 < GPUVM_MASREG_LOCK_MIN_LOG2)
		log2 = GPUVM_MASREG_LOCK_MIN_LOG2;
	if (log2 >= 64)
		return 63;
	return (start & ~((1ull << log2) - 1)) | (log2 - 1);
}

uint32_t gpuvm_masreg_exception(const struct gpuvm_mmu_fault *f,
				unsigned int va_bits)
{
	if (!f)
		return 0;
	switch (f->kind) {
	case GPUVM_MMU_FAULT_TRANSLATION:
		return GPUVM_MASREG_EXC_TRANSLATION(f->level);
	case GPUVM_MMU_FAULT_PERMISSION:
		return GPUVM_MASREG_EXC_PERMISSION(f->level);
	case GPUVM_MMU_FAULT_ACCESS_FLAG:
		return GPUVM_MASREG_EXC_ACCESS_FLAG(f->level);
	case GPUVM_MMU_FAULT_ADDRESS_SIZE:
		/* Beyond the VA width: the input; else a table or output. */
		if (va_bits < 64 && (f->addr >> va_bits))
			return GPUVM_MASREG_EXC_ADDR_SIZE_IN;
		return GPUVM_MASREG_EXC_ADDR_SIZE_OUT(f->level);
	case GPUVM_MMU_FAULT_NONE:
		break;
	}
	return 0;
}

const char *gpuvm_masreg_exception_name(uint32_t code)
{
	static const char *const names[] = {
		[0xc0] = "TRANSLATION_FAULT_0", [0xc1] = "TRANSLATION_FAULT_1",
		[0xc2] = "TRANSLATION_FAULT_2", [0xc3] = "TRANSLATION_FAULT_3",
		[0xc4] = "TRANSLATION_FAULT_4",
		[0xc8] = "PERM_FAULT_0", [0xc9] = "PERM_FAULT_1",
		[0xca] = "PERM_FAULT_2", [0xcb] = "PERM_FAULT_3",
		[0xd8] = "ACCESS_FLAG_0", [0xd9] = "ACCESS_FLAG_1",
		[0xda] = "ACCESS_FLAG_2", [0xdb] = "ACCESS_FLAG_3",
		[0xe0] = "ADDR_SIZE_FAULT_IN",
		[0xe4] = "ADDR_SIZE_FAULT_OUT0", [0xe5] = "ADDR_SIZE_FAULT_OUT1",
		[0xe6] = "ADDR_SIZE_FAULT_OUT2", [0xe7] = "ADDR_SIZE_FAULT_OUT3",
	};

	if (code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "UNKNOWN";
}

static uint32_t access_type(enum gpuvm_mmu_access acc)
{
	switch (acc) {
	case GPUVM_MMU_READ:
		return GPUVM_MASREG_ACCESS_READ;
	case GPUVM_MMU_WRITE:
		return GPUVM_MASREG_ACCESS_WRITE;
	case GPUVM_MMU_EXEC:
		return GPUVM_MASREG_ACCESS_EX;
	}
	return GPUVM_MASREG_ACCESS_ATOMIC;
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

/* Latches f unless a fault is pending (register lock held). */
static void latch(struct gpuvm_masreg *r, const struct gpuvm_mmu_fault *f)
{
	if (r->pending)
		return;
	r->pending = true;
	r->faultstatus = gpuvm_masreg_exception(f,
						gpuvm_mmu_as_va_bits(r->as)) |
			 access_type(f->access) << GPUVM_MASREG_FAULT_ACCESS_SHIFT |
			 (uint32_t)current_source << GPUVM_MASREG_FAULT_SOURCE_SHIFT;
	r->faultaddress = f->addr;
}

static int model_hook(void *cookie, struct gpuvm_mmu_as *as,
		      const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	struct gpuvm_masreg *r = cookie;
	gpuvm_mmu_fault_fn fn;
	void *ck;

	reg_lock(r);
	latch(r, f);
	fn = r->fn;
	ck = r->cookie;
	reg_unlock(r);
	return fn ? fn(ck, as, f, retries) : GPUVM_MMU_FAULT_REPORT;
}

bool gpuvm_masreg_fault_pending(const struct gpuvm_masreg *r)
{
	bool p;

	if (!r)
		return false;
	reg_lock(r);
	p = r->pending;
	reg_unlock(r);
	return p;
}

int gpuvm_masreg_fault_clear(struct gpuvm_masreg *r)
{
	if (!r)
		return -EINVAL;
	reg_lock(r);
	r->pending = false;
	reg_unlock(r);
	return 0;
}

int gpuvm_masreg_set_fault_hook(struct gpuvm_masreg *r, gpuvm_mmu_fault_fn fn,
				void *cookie)
{
	if (!r)
		return -EINVAL;
	reg_lock(r);
	r->fn = fn;
	r->cookie = fn ? cookie : NULL;
	reg_unlock(r);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

/* The VA width TRANSCFG's input size gives, or 0 if it has none. */
static unsigned int transcfg_va_bits(uint64_t transcfg)
{
	unsigned int ina = (unsigned int)((transcfg & GPUVM_MASREG_INA_MASK) >>
					  GPUVM_MASREG_INA_SHIFT);

	return ina <= 55 ? 55 - ina : 0;
}

static int cmd_update(struct gpuvm_masreg *r)
{
	unsigned int va_bits;
	int ret;

	if ((r->transcfg & GPUVM_MASREG_ADRMODE_MASK) !=
	    GPUVM_MASREG_ADRMODE_AARCH64_4K) {
		/* Disabled: nothing translates; forget what did. */
		r->enabled = false;
		gpuvm_mmu_invalidate_all(r->as);
		return 0;
	}
	va_bits = transcfg_va_bits(r->transcfg);
	ret = gpuvm_mmu_as_update(r->as,
				  r->transtab & GPUVM_MASREG_TRANSTAB_ADDR_MASK,
				  va_bits);
	if (!ret)
		r->enabled = true;
	return ret;
}

static void cmd_lock(struct gpuvm_masreg *r)
{
	uint64_t first, last;

	(void)gpuvm_masreg_lock_range(r->lockaddr, &first, &last);
	gpuvm_mmu_lock_region(r->as, first,
			      last == UINT64_MAX && !first ? UINT64_MAX
							   : last - first + 1);
	r->locked = true;
	r->lock_first = first;
	r->lock_last = last;
}

/* UNLOCK, FLUSH_PT, FLUSH_MEM: forget the region's entries, release it. */
static void cmd_flush(struct gpuvm_masreg *r)
{
	uint64_t first = r->lock_first, last = r->lock_last;

	if (!r->locked)
		(void)gpuvm_masreg_lock_range(r->lockaddr, &first, &last);
	if (!first && last == UINT64_MAX)
		gpuvm_mmu_invalidate_all(r->as);
	else
		gpuvm_mmu_invalidate(r->as, first, last - first + 1);
	if (r->locked)
		gpuvm_mmu_unlock_region(r->as);
	r->locked = false;
}

static int run_command(struct gpuvm_masreg *r, uint32_t cmd)
{
	int ret = 0;

	if (cmd > GPUVM_MASREG_CMD_FLUSH_MEM)
		return -EINVAL;
	__atomic_add_fetch(&r->active, 1, __ATOMIC_RELAXED);
	switch (cmd) {
	case GPUVM_MASREG_CMD_UPDATE:
		ret = cmd_update(r);
		break;
	case GPUVM_MASREG_CMD_LOCK:
		cmd_lock(r);
		break;
	case GPUVM_MASREG_CMD_UNLOCK:
	case GPUVM_MASREG_CMD_FLUSH_PT:
	case GPUVM_MASREG_CMD_FLUSH_MEM:
		cmd_flush(r);
		break;
	default: /* NOP */
		break;
	}
	__atomic_sub_fetch(&r->active, 1, __ATOMIC_RELAXED);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Registers                                                           */

/* The 64-bit register a 32-bit offset is half of, or NULL. */
static uint64_t *reg64(struct gpuvm_masreg *r, uint32_t offset)
{
	switch (offset & ~4u) {
	case GPUVM_MASREG_TRANSTAB_LO:
		return &r->transtab;
	case GPUVM_MASREG_MEMATTR_LO:
		return &r->memattr;
	case GPUVM_MASREG_LOCKADDR_LO:
		return &r->lockaddr;
	case GPUVM_MASREG_TRANSCFG_LO:
		return &r->transcfg;
	case GPUVM_MASREG_FAULTADDRESS_LO:
		return &r->faultaddress;
	}
	return NULL;
}

static uint32_t half(uint64_t v, uint32_t offset)
{
	return (uint32_t)(offset & 4 ? v >> 32 : v);
}

/* 0 for a register offset, -EINVAL otherwise. */
static int check_offset(uint32_t offset)
{
	if ((offset & 3) || offset > GPUVM_MASREG_FAULTEXTRA_HI ||
	    offset == 0x2c)
		return -EINVAL;
	return 0;
}

int gpuvm_masreg_read32(struct gpuvm_masreg *r, uint32_t offset,
			uint32_t *value)
{
	int ret;

	if (!r || !value)
		return -EINVAL;
	ret = check_offset(offset);
	if (ret)
		return ret;
	switch (offset) {
	case GPUVM_MASREG_COMMAND:
		return -EACCES;
	case GPUVM_MASREG_STATUS:
		*value = __atomic_load_n(&r->active, __ATOMIC_RELAXED) ?
			 GPUVM_MASREG_STATUS_ACTIVE : 0;
		return 0;
	case GPUVM_MASREG_FAULTEXTRA_LO:
	case GPUVM_MASREG_FAULTEXTRA_HI:
		*value = 0;
		return 0;
	}
	reg_lock(r);
	if (offset == GPUVM_MASREG_FAULTSTATUS)
		*value = r->faultstatus;
	else
		*value = half(*reg64(r, offset), offset);
	reg_unlock(r);
	return 0;
}

static bool read_only(uint32_t offset)
{
	return offset == GPUVM_MASREG_FAULTSTATUS ||
	       offset == GPUVM_MASREG_FAULTADDRESS_LO ||
	       offset == GPUVM_MASREG_FAULTADDRESS_HI ||
	       offset == GPUVM_MASREG_STATUS ||
	       offset == GPUVM_MASREG_FAULTEXTRA_LO ||
	       offset == GPUVM_MASREG_FAULTEXTRA_HI;
}

int gpuvm_masreg_write32(struct gpuvm_masreg *r, uint32_t offset,
			 uint32_t value)
{
	uint64_t *reg;
	int ret;

	if (!r)
		return -EINVAL;
	ret = check_offset(offset);
	if (ret)
		return ret;
	if (read_only(offset))
		return -EACCES;
	reg_lock(r);
	if (offset == GPUVM_MASREG_COMMAND) {
		ret = run_command(r, value);
	} else {
		reg = reg64(r, offset);
		if (offset & 4)
			*reg = (*reg & 0xffffffffull) | (uint64_t)value << 32;
		else
			*reg = (*reg & ~0xffffffffull) | value;
	}
	reg_unlock(r);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The model                                                           */

int gpuvm_masreg_create(const struct gpuvm_masreg_cfg *cfg,
			struct gpuvm_masreg **out)
{
	struct gpuvm_mmu_as_cfg ac;
	struct gpuvm_masreg *r;
	int ret;

	if (!cfg || !out || !cfg->mem)
		return -EINVAL;
	/* Disabled until an UPDATE: root 0 and 48 bits are placeholders. */
	ac = (struct gpuvm_mmu_as_cfg){
		.mem = cfg->mem, .root = 0, .va_bits = 48,
		.tlb_entries = cfg->tlb_entries, .checked = cfg->checked,
		.concurrent = cfg->concurrent,
	};
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	ret = gpuvm_mmu_as_create(&ac, &r->as);
	if (ret) {
		free(r);
		return ret;
	}
	r->concurrent = cfg->concurrent;
	if (r->concurrent)
		pthread_mutex_init(&r->lock, NULL);
	(void)gpuvm_mmu_set_fault_hook(r->as, model_hook, r);
	*out = r;
	return 0;
}

void gpuvm_masreg_destroy(struct gpuvm_masreg *r)
{
	if (!r)
		return;
	gpuvm_mmu_as_destroy(r->as);
	if (r->concurrent)
		pthread_mutex_destroy(&r->lock);
	free(r);
}

struct gpuvm_mmu_as *gpuvm_masreg_as(struct gpuvm_masreg *r)
{
	return r ? r->as : NULL;
}

int gpuvm_masreg_access(struct gpuvm_masreg *r, enum gpuvm_mmu_access access,
			uint16_t source_id, uint64_t va, void *buf, size_t len,
			struct gpuvm_mmu_fault *fault)
{
	uint16_t outer = current_source;
	bool enabled;
	int ret;

	if (!r || !buf || (unsigned int)access > GPUVM_MMU_EXEC)
		return -EINVAL;
	reg_lock(r);
	enabled = r->enabled;
	reg_unlock(r);
	if (!enabled)
		return -ENXIO;
	/* For the latch, in the hook this call may run. */
	current_source = source_id;
	if (access == GPUVM_MMU_READ)
		ret = gpuvm_mmu_read(r->as, va, buf, len, fault);
	else if (access == GPUVM_MMU_WRITE)
		ret = gpuvm_mmu_write(r->as, va, buf, len, fault);
	else
		ret = gpuvm_mmu_fetch(r->as, va, buf, len, fault);
	current_source = outer;
	return ret;
}
