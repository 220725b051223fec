// SPDX-License-Identifier: MIT
/*
 * DOC: command streams in scripts: cs and cs_run
 *
 * `cs MNEMONIC key=value...` appends one instruction, encoded as the CS
 * ISA has it (include/gpuvm/cs.h, docs/cs.md), to the script's pending
 * stream; `cs_run VM va=A` writes the pending words at A through the
 * VM's MMU, makes the VM's evicted BOs resident as a submit does
 * (gpuvm_drv_vm_validate), runs the stream on a fresh queue of the VM's
 * address space (registers zero) and asserts how it ended: state=, the
 * exception, the faulting VA, the instructions it retired. The values
 * it stored are then checked with gpu_read or cpu_read.
 *
 * Each mnemonic is a list of operand fields (key, first bit, width);
 * a value must fit its field (signed operands are given in two's
 * complement: imm=0xffffffff is -1), registers may be written r70 or
 * d68, conditions by name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gpuvm/cs.h"
#include "script.h"

#define MAX_FIELDS 7

enum fkind { F_NUM, F_REG, F_COND };

struct field {
	const char *key;
	unsigned int start, bits;
	bool required;
	enum fkind kind;
};

struct mnem {
	const char *name;
	unsigned int op;
	struct field f[MAX_FIELDS];
};

#define REQ(k, s, b) { k, s, b, true, F_NUM }
#define OPT(k, s, b) { k, s, b, false, F_NUM }
#define RREG(k, s) { k, s, 8, true, F_REG }
#define OREG(k, s) { k, s, 8, false, F_REG }
#define SYNC_FIELDS OPT("propagate", 0, 1), OPT("scope", 1, 2), \
	OPT("wait", 16, 16), RREG("data", 32), RREG("addr", 40), \
	OPT("signal", 48, 4)

static const struct mnem mnems[] = {
	{ "MOVE48", GPUVM_CS_OP_MOVE48, { RREG("d", 48), REQ("imm", 0, 48) } },
	{ "MOVE32", GPUVM_CS_OP_MOVE32, { RREG("r", 48), REQ("imm", 0, 32) } },
	{ "WAIT", GPUVM_CS_OP_WAIT, { OPT("mask", 16, 8),
				      OPT("progress", 32, 1) } },
	{ "ADD_IMMEDIATE32", GPUVM_CS_OP_ADD_IMM32,
	  { RREG("dst", 48), RREG("src", 40), REQ("imm", 0, 32) } },
	{ "ADD_IMMEDIATE64", GPUVM_CS_OP_ADD_IMM64,
	  { RREG("dst", 48), RREG("src", 40), REQ("imm", 0, 32) } },
	{ "UMIN32", GPUVM_CS_OP_UMIN32,
	  { RREG("dst", 48), RREG("src0", 40), RREG("src1", 32) } },
	{ "LOAD_MULTIPLE", GPUVM_CS_OP_LOAD_MULTIPLE,
	  { RREG("base", 48), RREG("addr", 40), REQ("mask", 16, 16),
	    OPT("offset", 0, 16) } },
	{ "STORE_MULTIPLE", GPUVM_CS_OP_STORE_MULTIPLE,
	  { RREG("base", 48), RREG("addr", 40), REQ("mask", 16, 16),
	    OPT("offset", 0, 16) } },
	{ "BRANCH", GPUVM_CS_OP_BRANCH,
	  { { "cond", 28, 3, true, F_COND }, OREG("reg", 40),
	    REQ("offset", 0, 16) } },
	{ "SET_SB_ENTRY", GPUVM_CS_OP_SET_SB_ENTRY,
	  { OPT("endpoint", 0, 4), OPT("other", 4, 4) } },
	{ "SET_EXCEPTION_HANDLER", GPUVM_CS_OP_SET_EXCEPTION_HANDLER,
	  { REQ("type", 0, 8), RREG("len", 32), RREG("addr", 40) } },
	{ "CALL", GPUVM_CS_OP_CALL, { RREG("addr", 40), RREG("len", 32) } },
	{ "JUMP", GPUVM_CS_OP_JUMP, { RREG("addr", 40), RREG("len", 32) } },
	{ "REQ_RESOURCE", GPUVM_CS_OP_REQ_RESOURCE, { OPT("mask", 0, 4) } },
	{ "FLUSH_CACHE2", GPUVM_CS_OP_FLUSH_CACHE2,
	  { OPT("l2", 0, 4), OPT("lsc", 4, 4), OPT("other", 8, 4),
	    OPT("wait", 16, 16), OREG("flush_id", 40),
	    OPT("signal", 48, 4) } },
	{ "SYNC_ADD32", GPUVM_CS_OP_SYNC_ADD32, { SYNC_FIELDS } },
	{ "SYNC_SET32", GPUVM_CS_OP_SYNC_SET32, { SYNC_FIELDS } },
	{ "SYNC_ADD64", GPUVM_CS_OP_SYNC_ADD64, { SYNC_FIELDS } },
	{ "SYNC_SET64", GPUVM_CS_OP_SYNC_SET64, { SYNC_FIELDS } },
	{ "SYNC_WAIT32", GPUVM_CS_OP_SYNC_WAIT32,
	  { OPT("reject", 0, 1), { "cond", 28, 4, true, F_COND },
	    RREG("data", 32), RREG("addr", 40) } },
	{ "SYNC_WAIT64", GPUVM_CS_OP_SYNC_WAIT64,
	  { OPT("reject", 0, 1), { "cond", 28, 4, true, F_COND },
	    RREG("data", 32), RREG("addr", 40) } },
	{ "STORE_STATE", GPUVM_CS_OP_STORE_STATE,
	  { OPT("offset", 0, 16), OPT("wait", 16, 16), REQ("state", 32, 2),
	    RREG("addr", 40), OPT("signal", 48, 4) } },
	{ "PROGRESS_STORE", GPUVM_CS_OP_PROGRESS_STORE, { RREG("src", 40) } },
	{ "PROGRESS_LOAD", GPUVM_CS_OP_PROGRESS_LOAD, { RREG("dst", 48) } },
	{ "HEAP_SET", GPUVM_CS_OP_HEAP_SET, { RREG("addr", 40) } },
	{ "TRACE_POINT", GPUVM_CS_OP_TRACE_POINT,
	  { OPT("wait", 16, 16), RREG("base", 32), REQ("count", 40, 8),
	    OPT("signal", 48, 4) } },
	/* Any word at all, for what the ISA does not define. */
	{ "WORD", 0, { REQ("value", 0, 64) } },
};

static const char *const conds[] = {
	"lequal", "greater", "equal", "nequal", "less", "gequal", "always",
};

static const struct mnem *find_mnem(const char *name, struct mnem *other)
{
	unsigned int i;

	for (i = 0; i < sizeof(mnems) / sizeof(mnems[0]); i++)
		if (!strcmp(mnems[i].name, name))
			return &mnems[i];
	/* Operand-less opcodes (NOP, RUN_COMPUTE, ...): data= fills the
	 * rest of the word. */
	for (i = 0; i < 256; i++) {
		const char *n = gpuvm_cs_opcode_name(i);

		if (n && !strcmp(n, name)) {
			*other = (struct mnem){ n, i, { OPT("data", 0, 56) } };
			return other;
		}
	}
	return NULL;
}

/* A field's value: a number, r70/d68 for a register, a condition name. */
static int field_value(struct script *s, const struct field *f,
		       const char *text, uint64_t *v)
{
	const char *why, *num = text;
	unsigned int i;

	if (f->kind == F_COND)
		for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
			if (!strcmp(text, conds[i])) {
				*v = i;
				return 0;
			}
	if (f->kind == F_REG && (text[0] == 'r' || text[0] == 'd'))
		num = text + 1;
	if (script_parse_num(num, v, &why))
		return script_error(s, "%s: bad %s=%s: %s", s->what, f->key,
				    text, why);
	if (f->bits < 64 && *v >> f->bits)
		return script_error(s, "%s: %s=%s does not fit in %u bits",
				    s->what, f->key, text, f->bits);
	return 0;
}

static int encode(struct script *s, const struct mnem *m,
		  const struct script_args *a, uint64_t *word)
{
	uint64_t w = (uint64_t)m->op << 56, v;
	unsigned int i, k;
	const char *t;

	if (!strcmp(m->name, "WORD"))
		w = 0;
	for (i = 0; i < MAX_FIELDS && m->f[i].key; i++) {
		t = script_arg(a, m->f[i].key);
		if (!t) {
			if (m->f[i].required)
				return script_error(s, "%s: missing %s=",
						    s->what, m->f[i].key);
			continue;
		}
		if (field_value(s, &m->f[i], t, &v))
			return -1;
		w |= m->f[i].bits < 64 ? v << m->f[i].start : v;
	}
	/* Every key given must be an operand of this instruction. */
	for (k = 0; k < a->ntok; k++) {
		if (!a->tok[k].val)
			return script_error(s, "%s: unknown word '%s'", s->what,
					    a->tok[k].key);
		for (i = 0; i < MAX_FIELDS && m->f[i].key; i++)
			if (!strcmp(m->f[i].key, a->tok[k].key))
				break;
		if (i == MAX_FIELDS || !m->f[i].key)
			return script_error(s, "%s: %s takes no %s=", s->what,
					    m->name, a->tok[k].key);
	}
	*word = w;
	return 0;
}

int script_cmd_cs(struct script *s, const struct script_args *a)
{
	struct mnem other;
	const struct mnem *m = find_mnem(a->pos[0], &other);
	uint64_t w = 0;

	if (!m)
		return script_error(s, "%s: unknown instruction '%s'", s->what,
				    a->pos[0]);
	if (s->cs_n == SCRIPT_MAX_CS_WORDS)
		return script_error(s, "%s: a stream holds at most %u instructions",
				    s->what, SCRIPT_MAX_CS_WORDS);
	if (encode(s, m, a, &w))
		return -1;
	s->cs_words[s->cs_n++] = w;
	return 0;
}

static const char *state_name(enum gpuvm_cs_queue_state st)
{
	switch (st) {
	case GPUVM_CS_QUEUE_IDLE: return "idle";
	case GPUVM_CS_QUEUE_BLOCKED: return "blocked";
	case GPUVM_CS_QUEUE_FAULTED: return "faulted";
	default: return "ready";
	}
}

/* The assertions of cs_run on what the run did. */
static int judge(struct script *s, const struct script_args *a,
		 const struct gpuvm_cs_result *r)
{
	const char *want = script_arg(a, "state");
	const char *exc = script_arg(a, "exception");
	uint64_t v;
	int got;

	if (!want)
		want = "idle";
	if (strcmp(want, state_name(r->state)))
		return script_error(s, "%s: expected state=%s, got %s%s%s",
				    s->what, want, state_name(r->state),
				    r->state == GPUVM_CS_QUEUE_FAULTED ?
				    " exception=" : "",
				    r->state == GPUVM_CS_QUEUE_FAULTED ?
				    gpuvm_cs_exception_name(r->fault.exception) :
				    "");
	if (exc && strcmp(exc, gpuvm_cs_exception_name(r->fault.exception)))
		return script_error(s, "%s: expected exception=%s, got %s",
				    s->what, exc,
				    gpuvm_cs_exception_name(r->fault.exception));
	got = script_num_arg(s, a, "fault_va", false, &v);
	if (got < 0)
		return -1;
	if (got && v != r->fault.addr)
		return script_error(s, "%s: expected fault_va=0x%llx, got 0x%llx",
				    s->what, (unsigned long long)v,
				    (unsigned long long)r->fault.addr);
	got = script_num_arg(s, a, "executed", false, &v);
	if (got < 0)
		return -1;
	if (got && v != r->executed)
		return script_error(s, "%s: expected executed=%llu, got %llu",
				    s->what, (unsigned long long)v,
				    (unsigned long long)r->executed);
	return 0;
}

int script_cmd_cs_run(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	struct gpuvm_cs_queue_cfg cfg = { 0 };
	struct gpuvm_cs_result r = { 0 };
	struct gpuvm_mmu_fault f = { 0 };
	struct gpuvm_cs_queue *q = NULL;
	uint64_t va, size = 0, n = s->cs_n;
	int ret, got;

	s->cs_n = 0;
	if (!vm || script_num_arg(s, a, "va", true, &va) < 0 ||
	    (got = script_num_arg(s, a, "size", false, &size)) < 0 ||
	    script_num_arg(s, a, "max", false, &cfg.max_instrs) < 0)
		return -1;
	if (got && n)
		return script_error(s, "%s: size= runs what is at va=: no cs line may come before",
				    s->what);
	if (cfg.max_instrs > GPUVM_CS_DEFAULT_MAX_INSTRS)
		return script_error(s, "%s: max= is at most %llu", s->what,
				    (unsigned long long)GPUVM_CS_DEFAULT_MAX_INSTRS);
	/* A script's runs together retire a bounded number: no script
	 * runs for long, whatever it repeats. */
	if (s->cs_retired >= SCRIPT_MAX_CS_INSTRS)
		return script_error(s, "%s: the script's runs retired %llu instructions, the most it may",
				    s->what,
				    (unsigned long long)SCRIPT_MAX_CS_INSTRS);
	if (!cfg.max_instrs)
		cfg.max_instrs = GPUVM_CS_DEFAULT_MAX_INSTRS;
	if (cfg.max_instrs > SCRIPT_MAX_CS_INSTRS - s->cs_retired)
		cfg.max_instrs = SCRIPT_MAX_CS_INSTRS - s->cs_retired;
	if (!got)
		size = n * 8;
	/* The words go in as the program's stores would. */
	ret = n ? gpuvm_drv_gpu_access(vm->file, vm->id, GPUVM_MMU_WRITE, va,
				       s->cs_words, n * 8, &f) : 0;
	if (!ret)
		ret = gpuvm_drv_vm_validate(vm->file, vm->id);
	cfg.as = gpuvm_drv_vm_as(vm->file, vm->id);
	if (!ret)
		ret = gpuvm_cs_queue_create(&cfg, &q);
	if (!ret)
		ret = gpuvm_cs_queue_start(q, va, size);
	if (!ret)
		ret = gpuvm_cs_queue_run(q, &r);
	gpuvm_cs_queue_destroy(q);
	s->cs_retired += r.executed;
	ret = script_outcome(s, ret, ret == -EFAULT ? &f : NULL);
	if (ret)
		return script_finish(ret);
	fprintf(s->out, "{\"vm\":\"%s\",\"state\":\"%s\",\"executed\":%llu",
		vm->name, state_name(r.state),
		(unsigned long long)r.executed);
	if (r.state == GPUVM_CS_QUEUE_FAULTED)
		fprintf(s->out, ",\"exception\":\"%s\",\"instr_va\":\"0x%llx\",\"fault_va\":\"0x%llx\"",
			gpuvm_cs_exception_name(r.fault.exception),
			(unsigned long long)r.fault.instr_addr,
			(unsigned long long)r.fault.addr);
	fprintf(s->out, "}\n");
	return judge(s, a, &r) ? -1 : 0;
}
