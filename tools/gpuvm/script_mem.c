// SPDX-License-Identifier: MIT
/*
 * DOC: memory-pressure commands
 *
 * budget, reclaim, evict, evict_dummy, resident, resident_dummy, pin,
 * unpin and validate: thin wrappers over the driver's shrinker API. The
 * assertions (resident ..., reclaim freed=) compare exactly, so a script
 * can pin down what the shrinker chose.
 */
#include <inttypes.h>
#include <string.h>

#include "script.h"

/* A positional SIZE, parsed like every number in the language. */
static int pos_num(struct script *s, const char *text, uint64_t *v)
{
	const char *why = NULL;

	if (script_parse_num(text, v, &why))
		return script_error(s, "%s: bad number '%s': %s", s->what, text,
				    why ? why : "invalid");
	return 0;
}

/* "yes" or "no" as the second positional word. */
static int yes_no(struct script *s, const char *word, bool *v)
{
	if (!strcmp(word, "yes"))
		*v = true;
	else if (!strcmp(word, "no"))
		*v = false;
	else
		return script_error(s, "%s: say yes or no, not '%s'", s->what,
				    word);
	return 0;
}

int script_cmd_budget(struct script *s, const struct script_args *a)
{
	uint64_t bytes;

	if (pos_num(s, a->pos[0], &bytes))
		return -1;
	return script_finish(script_outcome(
		s, gpuvm_drv_device_set_budget(s->dev, bytes), NULL));
}

int script_cmd_reclaim(struct script *s, const struct script_args *a)
{
	uint64_t bytes, want = 0, freed = 0;
	int has_want = script_num_arg(s, a, "freed", false, &want), r;

	if (has_want < 0 || pos_num(s, a->pos[0], &bytes))
		return -1;
	r = script_outcome(s, gpuvm_drv_reclaim(s->dev, bytes, &freed), NULL);
	if (r)
		return script_finish(r);
	fprintf(s->out, "{\"reclaimed\":%" PRIu64 "}\n", freed);
	if (has_want > 0 && freed != want)
		return script_error(s, "%s: expected freed=0x%" PRIx64
				    ", the shrinker freed 0x%" PRIx64,
				    s->what, want, freed);
	return 0;
}

int script_cmd_evict(struct script *s, const struct script_args *a)
{
	struct script_name *bo = script_find(s, a->pos[0], SCRIPT_BO);

	if (!bo)
		return -1;
	return script_finish(script_outcome(
		s, gpuvm_drv_bo_evict(bo->file, bo->id), NULL));
}

int script_cmd_evict_dummy(struct script *s, const struct script_args *a)
{
	struct script_name *f = script_find(s, a->pos[0], SCRIPT_FILE);

	if (!f)
		return -1;
	return script_finish(script_outcome(
		s, gpuvm_drv_dummy_evict(f->file), NULL));
}

static int judge_resident(struct script *s, struct gpuvm_drv_file *file,
			  uint32_t handle, const char *word)
{
	bool want = false, is = false;
	int r;

	if (yes_no(s, word, &want))
		return -1;
	r = script_outcome(s, gpuvm_drv_bo_resident(file, handle, &is), NULL);
	if (r)
		return script_finish(r);
	if (is != want)
		return script_error(s, "%s: expected %s, the BO is %s", s->what,
				    want ? "resident" : "evicted",
				    is ? "resident" : "evicted");
	return 0;
}

int script_cmd_resident(struct script *s, const struct script_args *a)
{
	struct script_name *bo = script_find(s, a->pos[0], SCRIPT_BO);

	return bo ? judge_resident(s, bo->file, bo->id, a->pos[1]) : -1;
}

int script_cmd_resident_dummy(struct script *s, const struct script_args *a)
{
	struct script_name *f = script_find(s, a->pos[0], SCRIPT_FILE);

	return f ? judge_resident(s, f->file, 0, a->pos[1]) : -1;
}

static int pin(struct script *s, const struct script_args *a, bool on)
{
	struct script_name *bo = script_find(s, a->pos[0], SCRIPT_BO);

	if (!bo)
		return -1;
	return script_finish(script_outcome(
		s, gpuvm_drv_bo_pin(bo->file, bo->id, on), NULL));
}

int script_cmd_pin(struct script *s, const struct script_args *a)
{
	return pin(s, a, true);
}

int script_cmd_unpin(struct script *s, const struct script_args *a)
{
	return pin(s, a, false);
}

int script_cmd_validate(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);

	if (!vm)
		return -1;
	return script_finish(script_outcome(
		s, gpuvm_drv_vm_validate(vm->file, vm->id), NULL));
}
