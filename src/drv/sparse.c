// SPDX-License-Identifier: MIT
/*
 * DOC: shared sparse tables
 *
 * Every whole 2 MiB slot of a sparse range maps the same 2 MiB of the
 * file's dummy, so a level-2 table of such blocks is the same for every
 * 1 GiB slot, and a level-1 table pointing at it the same for every
 * 512 GiB slot (docs/panthor.md P6: KASAN's zero shadow, i915's scratch
 * tables). Each file keeps one such set per protection its sparse ranges
 * use; with the NULL capability the sets hold no data, so the device
 * keeps them and every file shares them.
 *
 * A set exists exactly while some range links to it: a sparse MAP that
 * holds a whole 1 GiB slot builds it in its prepare phase (counted in the
 * op's memory, and failing the op if it cannot be had), and it goes when
 * the last link does. Sets are built only from a resident dummy: evicting
 * the dummy unlinks every sparse range first (its VAs are unmapped), then
 * destroys the file's sets, which point at the dummy's old frames;
 * bringing the dummy back builds them again.
 */
#include <errno.h>

#include "drv/drv_internal.h"

/* Sets are kept per protection: the three map-flag bits. */
static unsigned int prot_index(uint32_t prot)
{
	return prot & (GPUVM_PT_PROT_READONLY | GPUVM_PT_PROT_NOEXEC |
		       GPUVM_PT_PROT_UNCACHED);
}

static struct gpuvm_pt_shared **slot_of(struct gpuvm_drv_file *file,
					uint32_t prot)
{
	struct gpuvm_drv_device *dev = file->dev;

	if (dev->cfg.private_sparse_tables)
		return NULL;
	if (dev->cfg.sparse == GPUVM_DRV_SPARSE_NULL)
		return &dev->null_tables[prot_index(prot)];
	return &file->sparse_tables[prot_index(prot)];
}

const struct gpuvm_pt_shared *drv_sparse_tables(struct gpuvm_drv_file *file,
						uint32_t prot)
{
	struct gpuvm_pt_shared **slot = slot_of(file, prot);

	return slot ? *slot : NULL;
}

/* Builds the set for prot if it is missing. 0, or -ENOMEM. */
static int build(struct gpuvm_drv_file *file, uint32_t prot)
{
	struct gpuvm_pt_shared **slot = slot_of(file, prot);
	struct gpuvm_drv_device *dev = file->dev;
	struct drv_bo *dummy = file->dummy;
	struct gpuvm_va va = { .kind = GPUVM_VA_SPARSE };
	struct drv_src src;
	bool null = dev->cfg.sparse == GPUVM_DRV_SPARSE_NULL;

	if (!slot || *slot || (!null && (!dummy || dummy->evicted)))
		return 0;
	drv_src_init(&src, file, &va);
	return gpuvm_pt_shared_create(dev->mem, dev->cfg.pgsizes, &src.src,
				      prot | (null ? GPUVM_PT_PROT_NULL : 0),
				      null ? GPUVM_SZ_4K : DRV_DUMMY_SIZE, slot);
}

/*
 * Frames a sparse MAP of [addr, addr + range) needs for shared tables:
 * none unless it holds a whole 1 GiB slot (only those link) and the set
 * is not there yet.
 */
uint64_t drv_sparse_tables_need(struct gpuvm_drv_file *file, uint32_t prot,
				uint64_t addr, uint64_t range)
{
	struct gpuvm_pt_shared **slot = slot_of(file, prot);
	uint64_t first = (addr + GPUVM_SZ_1G - 1) & ~(GPUVM_SZ_1G - 1);

	if (!slot || *slot || first < addr || first + GPUVM_SZ_1G < first ||
	    first + GPUVM_SZ_1G > addr + range)
		return 0;
	return GPUVM_PT_LEVELS - 1; /* at most a table per level */
}

/*
 * Makes the set a sparse MAP will link to. Part of the op's prepare
 * phase: a failure fails the op (-ENOMEM), so the outcome never depends
 * on whether an optimisation happened to get memory.
 */
int drv_sparse_tables_get(const struct drv_excl *x,
			  struct gpuvm_drv_file *file, uint32_t prot,
			  uint64_t addr, uint64_t range)
{
	file->sparse_prots |= 1u << prot_index(prot);
	if (!drv_sparse_tables_need(file, prot, addr, range))
		return 0;
	return build(file, prot);
}

/*
 * After the dummy comes back: sets for every protection in use, so the
 * restored ranges link again. Best effort: without a set (no memory) a
 * restore just takes private tables, which it counts and reserves.
 */
void drv_sparse_tables_rebuild(const struct drv_excl *x,
			       struct gpuvm_drv_file *file)
{
	uint32_t prot;

	for (prot = 0; prot < DRV_PROT_VARIANTS; prot++)
		if ((file->sparse_prots & (1u << prot)) &&
		    drv_fits(x->dev, GPUVM_PT_LEVELS - 1))
			build(file, prot);
}

/* Destroys a set no page table links to; with force, any set. */
static void drop(struct gpuvm_pt_shared **slot, bool force)
{
	if (*slot && (force || !gpuvm_pt_shared_links(*slot)) &&
	    !gpuvm_pt_shared_destroy(*slot))
		*slot = NULL;
}

void drv_sparse_tables_drop(const struct drv_excl *x,
			    struct gpuvm_drv_file *file)
{
	unsigned int i;

	for (i = 0; i < DRV_PROT_VARIANTS; i++)
		drop(&file->sparse_tables[i], true);
}

/*
 * Sets nothing links to any more go: a set exists exactly while some
 * range uses it, so a failed op or an unmap leaves no set behind.
 */
void drv_sparse_tables_trim(const struct drv_excl *x,
			    struct gpuvm_drv_file *file)
{
	unsigned int i;

	for (i = 0; i < DRV_PROT_VARIANTS; i++) {
		if (!file->sparse_holds[i])
			drop(&file->sparse_tables[i], false);
		if (!file->dev->null_holds[i])
			drop(&file->dev->null_tables[i], false);
	}
}

/*
 * A queued sparse MAP will link to its set when it runs: until then the
 * set must outlive an unlink that leaves it idle.
 */
void drv_sparse_tables_hold(const struct drv_excl *x,
			    struct gpuvm_drv_file *file, uint32_t prot,
			    bool hold)
{
	uint32_t *holds = file->dev->cfg.sparse == GPUVM_DRV_SPARSE_NULL ?
			  file->dev->null_holds : file->sparse_holds;

	if (hold)
		holds[prot_index(prot)]++;
	else
		holds[prot_index(prot)]--;
}

/* Some set of the file (or the device's NULL sets) has no link left. */
bool drv_sparse_tables_idle(struct gpuvm_drv_file *file)
{
	unsigned int i;

	for (i = 0; i < DRV_PROT_VARIANTS; i++) {
		if (!file->sparse_holds[i] && file->sparse_tables[i] &&
		    !gpuvm_pt_shared_links(file->sparse_tables[i]))
			return true;
		if (!file->dev->null_holds[i] && file->dev->null_tables[i] &&
		    !gpuvm_pt_shared_links(file->dev->null_tables[i]))
			return true;
	}
	return false;
}

void drv_null_tables_drop(const struct drv_excl *x)
{
	struct gpuvm_drv_device *dev = x->dev;
	unsigned int i;

	for (i = 0; i < DRV_PROT_VARIANTS; i++)
		drop(&dev->null_tables[i], true);
}

uint64_t drv_sparse_tables_pages(struct gpuvm_drv_file *file)
{
	struct gpuvm_pt_shared *const *sets = file->dev->cfg.sparse ==
		GPUVM_DRV_SPARSE_NULL ? file->dev->null_tables :
					file->sparse_tables;
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < DRV_PROT_VARIANTS; i++)
		if (sets[i])
			n += gpuvm_pt_shared_pages(sets[i]);
	return n;
}
