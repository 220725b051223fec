/* SPDX-License-Identifier: MIT */
/*
 * DOC: Mali address-space register model (module "masreg")
 *
 * The registers of one address space of a Mali CSF GPU's MMU, on top of
 * an MMU address space (gpuvm/mmu.h), for device models that drive the
 * MMU the way a driver drives the hardware: by 32-bit register reads and
 * writes. Offsets are relative to the AS's register block; on the GPU
 * the block of AS n is at GPUVM_MASREG_MMU_BASE + n *
 * GPUVM_MASREG_AS_STRIDE. docs/embedding.md ("Register model") gives
 * every field's layout and where each value comes from (the kernel's
 * panthor_regs.h and panthor's exception table).
 *
 *   0x00/0x04 TRANSTAB      RW  root table address (bits 63:4)
 *   0x08/0x0c MEMATTR       RW  eight attribute bytes, one per MAIR index
 *   0x10/0x14 LOCKADDR      RW  lock region: base bits 63:12, log2(size)-1
 *                               in bits 5:0
 *   0x18      COMMAND       WO  NOP, UPDATE, LOCK, UNLOCK, FLUSH_PT,
 *                               FLUSH_MEM
 *   0x1c      FAULTSTATUS   RO  exception type 7:0, access type 9:8,
 *                               source id 31:16
 *   0x20/0x24 FAULTADDRESS  RO  the first faulting byte's VA
 *   0x28      STATUS        RO  AS_ACTIVE (bit 0) while a command runs
 *   0x30/0x34 TRANSCFG      RW  address mode 3:0, input size 10:6 (55 -
 *                               VA bits), output size 18:14, the rest
 *                               kept as written
 *   0x38/0x3c FAULTEXTRA    RO  not modelled: reads 0
 *
 * Commands run to completion inside gpuvm_masreg_write32(COMMAND):
 *  - UPDATE applies TRANSTAB, MEMATTR and TRANSCFG: the MMU address space
 *    gets the root and the VA width (the whole TLB is dropped). Only the
 *    AArch64 4 KiB mode translates; in any other mode accesses through
 *    gpuvm_masreg_access() are refused with -ENXIO (a driver runs no job
 *    on a disabled AS). An input size this model cannot walk (VA bits
 *    outside 32..48) is refused with -EINVAL and changes nothing.
 *  - LOCK locks the region LOCKADDR encodes, rounded as the hardware
 *    does (gpuvm_masreg_lock_range()): accesses touching it wait (in
 *    concurrent mode) until it is released.
 *  - UNLOCK, FLUSH_PT and FLUSH_MEM drop the TLB entries overlapping the
 *    lock region and release it. gpuvm has no caches, so the flushes
 *    differ from UNLOCK only on hardware. Without a locked region they
 *    act on the region LOCKADDR encodes now.
 *  - NOP does nothing.
 * Any other value is refused with -EINVAL.
 *
 * Faults: every fault of an access through the address space (through
 * gpuvm_masreg_access() or directly on gpuvm_masreg_as()) is latched in
 * FAULTSTATUS and FAULTADDRESS, unless an earlier one is still pending:
 * as on hardware, the first fault stays until the driver acknowledges
 * it (gpuvm_masreg_fault_clear(), what writing the AS's bit to
 * MMU_INT_CLEAR does); gpuvm_masreg_fault_pending() is the AS's bit of
 * MMU_INT_RAWSTAT. Exception codes, by kind and level:
 * TRANSLATION_FAULT_n 0xc0 + n, PERM_FAULT_n 0xc8 + n, ACCESS_FLAG_n
 * 0xd8 + n, ADDR_SIZE_FAULT_IN 0xe0 (VA beyond the input size),
 * ADDR_SIZE_FAULT_OUTn 0xe4 + n (a table or output address outside
 * memory at level n). Access types: EX 1 (fetch), READ 2, WRITE 3.
 *
 * A fault hook (grow-on-fault) is set with gpuvm_masreg_set_fault_hook():
 * it runs after the latch, as a driver's fault handler runs after the
 * interrupt, and may map, issue commands through write32, clear the
 * fault and ask for a retry (gpuvm/mmu.h, "Fault hooks", has the rules).
 * The model keeps the address space's own fault hook for itself.
 *
 * Thread safety: with cfg.concurrent every function may be called from
 * several threads (the registers are under one lock, the address space
 * is concurrent); without it, one thread at a time.
 *
 * NULL pointers: a pointer argument may be NULL only where its function's
 * comment says so (an access's fault output, destroy, the fault hook's
 * callback and cookie). Any other NULL is refused before anything is
 * done: -EINVAL from a function returning an errno, NULL from
 * gpuvm_masreg_as(), false from gpuvm_masreg_fault_pending(), 0 from
 * gpuvm_masreg_exception().
 */
#ifndef GPUVM_MASREG_H
#define GPUVM_MASREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpuvm/mem.h"
#include "gpuvm/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; this is its API. */
#pragma GCC visibility push(default)

/* Where AS n's block is in the GPU's register space. */
#define GPUVM_MASREG_MMU_BASE        0x2400u
#define GPUVM_MASREG_AS_STRIDE       0x40u

/* Register offsets inside one AS's block. */
#define GPUVM_MASREG_TRANSTAB_LO     0x00u
#define GPUVM_MASREG_TRANSTAB_HI     0x04u
#define GPUVM_MASREG_MEMATTR_LO      0x08u
#define GPUVM_MASREG_MEMATTR_HI      0x0cu
#define GPUVM_MASREG_LOCKADDR_LO     0x10u
#define GPUVM_MASREG_LOCKADDR_HI     0x14u
#define GPUVM_MASREG_COMMAND         0x18u
#define GPUVM_MASREG_FAULTSTATUS     0x1cu
#define GPUVM_MASREG_FAULTADDRESS_LO 0x20u
#define GPUVM_MASREG_FAULTADDRESS_HI 0x24u
#define GPUVM_MASREG_STATUS          0x28u
#define GPUVM_MASREG_TRANSCFG_LO     0x30u
#define GPUVM_MASREG_TRANSCFG_HI     0x34u
#define GPUVM_MASREG_FAULTEXTRA_LO   0x38u
#define GPUVM_MASREG_FAULTEXTRA_HI   0x3cu

/* COMMAND values. */
#define GPUVM_MASREG_CMD_NOP         0u
#define GPUVM_MASREG_CMD_UPDATE      1u
#define GPUVM_MASREG_CMD_LOCK        2u
#define GPUVM_MASREG_CMD_UNLOCK      3u
#define GPUVM_MASREG_CMD_FLUSH_PT    4u
#define GPUVM_MASREG_CMD_FLUSH_MEM   5u

/* STATUS. */
#define GPUVM_MASREG_STATUS_ACTIVE   (1u << 0)

/* TRANSTAB: the root's address bits. */
#define GPUVM_MASREG_TRANSTAB_ADDR_MASK (~0xfull)

/* TRANSCFG. */
#define GPUVM_MASREG_ADRMODE_MASK        0xfull
#define GPUVM_MASREG_ADRMODE_UNMAPPED    1u
#define GPUVM_MASREG_ADRMODE_IDENTITY    2u
#define GPUVM_MASREG_ADRMODE_AARCH64_4K  6u
#define GPUVM_MASREG_ADRMODE_AARCH64_64K 8u
#define GPUVM_MASREG_INA_SHIFT           6
#define GPUVM_MASREG_INA_MASK            (0x1full << 6)
#define GPUVM_MASREG_OUTA_SHIFT          14
#define GPUVM_MASREG_OUTA_MASK           (0x1full << 14)
/* The input-size field for a VA width, as panthor writes it. */
#define GPUVM_MASREG_INA_BITS(va_bits) \
	((uint64_t)(55u - (va_bits)) << GPUVM_MASREG_INA_SHIFT)

/* LOCKADDR. */
#define GPUVM_MASREG_LOCKADDR_SIZE_MASK 0x3full
#define GPUVM_MASREG_LOCKADDR_BASE_MASK (~0xfffull)
#define GPUVM_MASREG_LOCK_MIN_LOG2      15  /* 32 KiB */

/* FAULTSTATUS fields and values. */
#define GPUVM_MASREG_FAULT_EXCEPTION_MASK 0xffu
#define GPUVM_MASREG_FAULT_ACCESS_SHIFT   8
#define GPUVM_MASREG_FAULT_ACCESS_MASK    (0x3u << 8)
#define GPUVM_MASREG_FAULT_SOURCE_SHIFT   16
#define GPUVM_MASREG_ACCESS_ATOMIC        0u
#define GPUVM_MASREG_ACCESS_EX            1u
#define GPUVM_MASREG_ACCESS_READ          2u
#define GPUVM_MASREG_ACCESS_WRITE         3u

/* Exception types, by level where the code has one. */
#define GPUVM_MASREG_EXC_TRANSLATION(level)  (0xc0u + (level))
#define GPUVM_MASREG_EXC_PERMISSION(level)   (0xc8u + (level))
#define GPUVM_MASREG_EXC_ACCESS_FLAG(level)  (0xd8u + (level))
#define GPUVM_MASREG_EXC_ADDR_SIZE_IN        0xe0u
#define GPUVM_MASREG_EXC_ADDR_SIZE_OUT(level) (0xe4u + (level))

struct gpuvm_masreg;

struct gpuvm_masreg_cfg {
	struct gpuvm_mem *mem;    /* what TRANSTAB and the tables point into */
	unsigned int tlb_entries; /* as gpuvm_mmu_as_cfg; 0: the default */
	bool checked;             /* the MMU's checked mode */
	bool concurrent;          /* several threads (see above) */
};

/*
 * Every register reads 0 and the AS is disabled until an UPDATE in the
 * AArch64 4 KiB mode. -EINVAL for a bad cfg, -ENOMEM.
 */
int gpuvm_masreg_create(const struct gpuvm_masreg_cfg *cfg,
			struct gpuvm_masreg **out);
/* NULL is allowed. */
void gpuvm_masreg_destroy(struct gpuvm_masreg *r);

/*
 * A register read: 0 and *value, -EINVAL for an offset that is not a
 * register of the block (unaligned, past it, 0x2c), -EACCES for COMMAND
 * (write-only).
 */
int gpuvm_masreg_read32(struct gpuvm_masreg *r, uint32_t offset,
			uint32_t *value);
/*
 * A register write: 0, -EINVAL (not a register, an unknown command, an
 * UPDATE this model cannot apply), -EACCES (a read-only register); an
 * error changes nothing. A write to COMMAND runs the command.
 */
int gpuvm_masreg_write32(struct gpuvm_masreg *r, uint32_t offset,
			 uint32_t value);

/*
 * A GPU access of len bytes at va through the AS, by the unit source_id
 * (FAULTSTATUS bits 31:16 if it faults), as gpuvm_mmu_read(), _write()
 * (buf is read) or _fetch() (access picks). 0, -EFAULT (latched, *fault
 * filled if fault is not NULL), -ESTALE (checked mode), -ENXIO (the AS
 * is disabled: nothing latched), -EINVAL.
 */
int gpuvm_masreg_access(struct gpuvm_masreg *r, enum gpuvm_mmu_access access,
			uint16_t source_id, uint64_t va, void *buf, size_t len,
			struct gpuvm_mmu_fault *fault);

/*
 * The MMU address space behind the registers, for host pointers and
 * direct accesses (faults there latch too, with source id 0). Valid
 * until gpuvm_masreg_destroy(). Its fault hook belongs to the model:
 * use gpuvm_masreg_set_fault_hook(). NULL for a NULL r.
 */
struct gpuvm_mmu_as *gpuvm_masreg_as(struct gpuvm_masreg *r);

/* The AS's fault interrupt: a latched fault not yet cleared. */
bool gpuvm_masreg_fault_pending(const struct gpuvm_masreg *r);
/*
 * Acknowledges the latched fault (MMU_INT_CLEAR): the next fault latches
 * again. FAULTSTATUS and FAULTADDRESS keep their values until then.
 */
int gpuvm_masreg_fault_clear(struct gpuvm_masreg *r);

/*
 * The fault hook (gpuvm/mmu.h's rules), called after the latch; fn NULL
 * removes it, cookie is fn's and may be NULL. -EINVAL for a NULL r.
 */
int gpuvm_masreg_set_fault_hook(struct gpuvm_masreg *r, gpuvm_mmu_fault_fn fn,
				void *cookie);

/*
 * What LOCKADDR value lock covers, with the hardware's rounding: the
 * size is 2^(bits 5:0 + 1) bytes, at least 32 KiB (smaller encodings are
 * rounded up), and the base (bits 63:12) is aligned down to the size.
 * *first and *last (inclusive) get the region. -EINVAL for NULL outputs.
 */
int gpuvm_masreg_lock_range(uint64_t lockaddr, uint64_t *first,
			    uint64_t *last);
/*
 * The LOCKADDR value a driver writes to lock [start, start + size): the
 * smallest naturally aligned power of two of at least 32 KiB holding it
 * (as panthor encodes it). 0 for size 0.
 */
uint64_t gpuvm_masreg_lockaddr(uint64_t start, uint64_t size);

/*
 * The exception type of a fault in an AS of va_bits (to tell input from
 * output address-size faults); 0 for a NULL fault or no fault.
 */
uint32_t gpuvm_masreg_exception(const struct gpuvm_mmu_fault *fault,
				unsigned int va_bits);
/* The exception type's name as panthor's table spells it; "UNKNOWN". */
const char *gpuvm_masreg_exception_name(uint32_t code);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* GPUVM_MASREG_H */
