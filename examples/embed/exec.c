// SPDX-License-Identifier: MIT
/*
 * DOC: a simulator's execution unit on a driver VM (examples/embed/exec.c)
 *
 * The driver (gpuvm/drv.h) owns the VM: BOs, binds, page tables. The
 * simulator takes the VM's address space (gpuvm_drv_vm_as) and runs its
 * own loop on it: a tiny register machine fetches, loads and stores
 * through host pointers (gpuvm_mmu_hptr_at), going back to the MMU
 * (gpuvm_mmu_hptr_get) only when a pointer is missing or went stale. An
 * unbind moves the address space's generation, so the next run gets its
 * pointers again and the store to the unmapped page faults. Every result
 * is checked; any mismatch exits 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gpuvm/drv.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { failures++; \
	fprintf(stderr, "exec: line %d: %s\n", __LINE__, #cond); } } while (0)

/* ---- the ISA: 16-byte instructions, 8 registers ---- */
enum op { LI, LD, ST, ADD, ADDI, BNZ, HALT };

struct insn {
	uint8_t op, d, a, b;
	uint32_t pad;
	uint64_t imm;
};

/* ---- the execution unit ---- */
struct unit {
	struct gpuvm_mmu_as *as;
	struct gpuvm_mmu_hptr h[3];   /* last page per access kind */
	uint64_t r[8], pc;
	uint64_t slow;                /* trips to the MMU */
	struct gpuvm_mmu_fault fault;
};

/* Host address of [va, va + len) for one kind of access, or NULL. */
static void *at(struct unit *u, enum gpuvm_mmu_access acc, uint64_t va,
		size_t len)
{
	void *p = gpuvm_mmu_hptr_at(&u->h[acc], va, len);

	if (p)
		return p;       /* the fast path: a compare and an add */
	u->slow++;
	if (gpuvm_mmu_hptr_get(u->as, va, acc, &u->h[acc], &u->fault))
		return NULL;
	return gpuvm_mmu_hptr_at(&u->h[acc], va, len);
}

/* Runs from pc until HALT (0) or a fault (-1, u->fault says where). */
static int run(struct unit *u, uint64_t pc)
{
	struct insn i;
	uint32_t w;
	void *p;

	for (u->pc = pc;; u->pc += sizeof(i)) {
		if (!(p = at(u, GPUVM_MMU_EXEC, u->pc, sizeof(i))))
			return -1;
		memcpy(&i, p, sizeof(i));
		switch (i.op) {
		case LI:   u->r[i.d] = i.imm; break;
		case ADD:  u->r[i.d] = u->r[i.a] + u->r[i.b]; break;
		case ADDI: u->r[i.d] = u->r[i.a] + i.imm; break;
		case LD:
			if (!(p = at(u, GPUVM_MMU_READ, u->r[i.a] + i.imm, 4)))
				return -1;
			memcpy(&w, p, 4);
			u->r[i.d] = w;
			break;
		case ST:
			if (!(p = at(u, GPUVM_MMU_WRITE, u->r[i.a] + i.imm, 4)))
				return -1;
			w = (uint32_t)u->r[i.d];
			memcpy(p, &w, 4);
			break;
		case BNZ:
			if (u->r[i.a])
				u->pc = i.imm - sizeof(i);
			break;
		case HALT: return 0;
		default:   return -1;
		}
	}
}

/* ---- the "application": a driver VM with code, data and a result ---- */
#define CODE_VA 0x100000ull
#define DATA_VA 0x200000ull
#define OUT_VA  0x300000ull
#define N       64u

static const struct insn program[] = {
	{ LI, 1, 0, 0, 0, DATA_VA },     /* r1 = &data */
	{ LI, 2, 0, 0, 0, N },           /* r2 = count */
	{ LI, 0, 0, 0, 0, 0 },           /* r0 = sum */
	{ LD, 3, 1, 0, 0, 0 },           /* loop: r3 = *r1 */
	{ ADD, 0, 0, 3, 0, 0 },
	{ ADDI, 1, 1, 0, 0, 4 },
	{ ADDI, 2, 2, 0, 0, UINT64_MAX },
	{ BNZ, 0, 2, 0, 0, CODE_VA + 3 * sizeof(struct insn) },
	{ LI, 4, 0, 0, 0, OUT_VA },
	{ ST, 0, 4, 0, 0, 8 },           /* *(out + 8) = sum */
	{ HALT, 0, 0, 0, 0, 0 },
};

static uint32_t bo(struct gpuvm_drv_file *f, uint32_t vm, uint64_t va,
		   uint32_t flags)
{
	struct gpuvm_drv_bind_op op = { .flags = GPUVM_DRV_OP_TYPE_MAP | flags,
					.va = va, .size = 0x1000 };

	CHECK(gpuvm_drv_bo_create(f, 0x1000, 0, 0, &op.bo_handle) == 0);
	CHECK(gpuvm_drv_vm_bind(f, vm, 0, &op, 1, NULL) == 0);
	return op.bo_handle;
}

int main(void)
{
	struct gpuvm_drv_device_cfg cfg = { .ram = 64u << 20, .unchecked = true };
	struct gpuvm_drv_bind_op unmap = { .flags = GPUVM_DRV_OP_TYPE_UNMAP,
					   .va = OUT_VA, .size = 0x1000 };
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	uint32_t vm, code, data, out, vals[N], got = 0, sum = 0;
	struct unit u = { 0 };

	if (gpuvm_drv_device_create(&cfg, &dev) ||
	    gpuvm_drv_file_open(dev, &f) || gpuvm_drv_vm_create(f, 0, &vm))
		return 1;
	code = bo(f, vm, CODE_VA, GPUVM_DRV_OP_MAP_READONLY);
	data = bo(f, vm, DATA_VA, GPUVM_DRV_OP_MAP_NOEXEC);
	out = bo(f, vm, OUT_VA, GPUVM_DRV_OP_MAP_NOEXEC);
	for (unsigned int k = 0; k < N; k++) {
		vals[k] = k * k + 1;
		sum += vals[k];
	}
	CHECK(gpuvm_drv_bo_write(f, code, 0, program, sizeof(program)) == 0);
	CHECK(gpuvm_drv_bo_write(f, data, 0, vals, sizeof(vals)) == 0);

	/* The simulator's view of the VM: the driver's address space. */
	u.as = gpuvm_drv_vm_as(f, vm);
	CHECK(u.as != NULL);
	if (failures)
		return 1;

	/* 1. The loop runs; one trip to the MMU per page and access kind. */
	CHECK(run(&u, CODE_VA) == 0);
	CHECK(u.r[0] == sum);
	CHECK(gpuvm_drv_bo_read(f, out, 8, &got, 4) == 0 && got == sum);
	CHECK(u.slow == 3);
	printf("exec: sum %u, %llu MMU trips for %d instructions\n", got,
	       (unsigned long long)u.slow, 3 + 5 * N + 3);

	/* 2. The driver unbinds the output: every pointer goes stale, the
	 * code and data are found again, and the store faults. */
	CHECK(gpuvm_drv_vm_bind(f, vm, 0, &unmap, 1, NULL) == 0);
	vals[0] += 1000;
	CHECK(gpuvm_drv_bo_write(f, data, 0, vals, 4) == 0);
	u.slow = 0;
	CHECK(run(&u, CODE_VA) == -1);
	CHECK(u.r[0] == sum + 1000);
	CHECK(u.fault.kind == GPUVM_MMU_FAULT_TRANSLATION);
	CHECK(u.fault.access == GPUVM_MMU_WRITE);
	CHECK(u.fault.addr == OUT_VA + 8);
	CHECK(u.slow == 3);
	CHECK(gpuvm_drv_bo_read(f, out, 8, &got, 4) == 0 && got == sum);

	/* 3. A fetch from a no-exec page is a permission fault. */
	CHECK(run(&u, DATA_VA) == -1);
	CHECK(u.fault.kind == GPUVM_MMU_FAULT_PERMISSION);
	CHECK(u.fault.access == GPUVM_MMU_EXEC);

	gpuvm_drv_device_destroy(dev);
	if (failures)
		return 1;
	printf("exec: all checks passed\n");
	return 0;
}
