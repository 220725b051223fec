// SPDX-License-Identifier: MIT
/*
 * DOC: asynchronous-bind commands
 *
 * Timelines are named in scripts by a number (1..0x7fffffff) or by a name;
 * a name gets a fresh id the first time it is used (ids from 2^31 up, so
 * they never collide with small numeric ones). wait= and signal= on an
 * async bind take a comma-separated list of TIMELINE:POINT.
 *
 * signal T:N signals from the host; run executes every queued job that is
 * ready; wait T:N runs jobs until T reaches N and fails with ETIMEDOUT if
 * it cannot (on hardware the wait would block forever).
 */
#include <inttypes.h>
#include <string.h>

#include "script.h"

#define NAMED_BASE 0x80000000u

static int timeline_id(struct script *s, const char *text, size_t len,
		       uint32_t *id)
{
	char name[SCRIPT_NAME_LEN];
	uint64_t v;
	const char *why;
	unsigned int i;

	if (!len || len >= sizeof(name))
		return script_error(s, "%s: bad timeline '%.*s'", s->what,
				    (int)len, text);
	memcpy(name, text, len);
	name[len] = '\0';
	if (!script_parse_num(name, &v, &why)) {
		if (!v || v >= NAMED_BASE)
			return script_error(s, "%s: timeline numbers are 1..0x7fffffff, not %s",
					    s->what, name);
		*id = (uint32_t)v;
		return 0;
	}
	if (!script_valid_name(name))
		return script_error(s, "%s: bad timeline '%s'", s->what, name);
	for (i = 0; i < s->n_timelines; i++) {
		if (!strcmp(s->timelines[i], name)) {
			*id = NAMED_BASE + i;
			return 0;
		}
	}
	if (s->n_timelines == SCRIPT_MAX_TIMELINES)
		return script_error(s, "%s: too many timeline names (at most %d)",
				    s->what, SCRIPT_MAX_TIMELINES);
	strcpy(s->timelines[s->n_timelines], name);
	*id = NAMED_BASE + s->n_timelines++;
	return 0;
}

/* One TIMELINE:POINT of len bytes at text. */
static int parse_point(struct script *s, const char *text, size_t len,
		       struct gpuvm_drv_sync *sy)
{
	const char *colon = memchr(text, ':', len), *why = NULL;
	char num[64];
	size_t nlen;

	if (!colon)
		return script_error(s, "%s: expected TIMELINE:POINT, not '%.*s'",
				    s->what, (int)len, text);
	nlen = len - (size_t)(colon + 1 - text);
	if (nlen >= sizeof(num))
		return script_error(s, "%s: point too long", s->what);
	memcpy(num, colon + 1, nlen);
	num[nlen] = '\0';
	if (timeline_id(s, text, (size_t)(colon - text), &sy->timeline))
		return -1;
	if (script_parse_num(num, &sy->point, &why) || !sy->point)
		return script_error(s, "%s: bad point '%s'%s%s", s->what, num,
				    why ? ": " : "", why ? why : " (points start at 1)");
	return 0;
}

int script_syncs_arg(struct script *s, const struct script_args *a,
		     const char *key, uint32_t flags,
		     struct gpuvm_drv_sync *syncs, uint32_t *n)
{
	const char *v = script_arg(a, key), *end;

	while (v && *v) {
		end = strchr(v, ',');
		if (!end)
			end = v + strlen(v);
		if (*n == SCRIPT_MAX_SYNCS)
			return script_error(s, "%s: at most %d waits and signals",
					    s->what, SCRIPT_MAX_SYNCS);
		syncs[*n].flags = flags;
		if (parse_point(s, v, (size_t)(end - v), &syncs[*n]))
			return -1;
		++*n;
		v = *end ? end + 1 : end;
	}
	return 0;
}

int script_cmd_signal(struct script *s, const struct script_args *a)
{
	struct gpuvm_drv_sync sy;

	if (parse_point(s, a->pos[0], strlen(a->pos[0]), &sy))
		return -1;
	return script_finish(script_outcome(
		s, gpuvm_drv_timeline_signal(s->dev, sy.timeline, sy.point),
		NULL));
}

int script_cmd_wait(struct script *s, const struct script_args *a)
{
	struct gpuvm_drv_sync sy;

	if (parse_point(s, a->pos[0], strlen(a->pos[0]), &sy))
		return -1;
	return script_finish(script_outcome(
		s, gpuvm_drv_wait(s->dev, sy.timeline, sy.point), NULL));
}

int script_cmd_run(struct script *s, const struct script_args *a)
{
	uint64_t want = 0;
	uint32_t ran = 0;
	int has = script_num_arg(s, a, "jobs", false, &want), r;

	if (has < 0)
		return -1;
	r = script_outcome(s, gpuvm_drv_run(s->dev, &ran), NULL);
	if (r)
		return script_finish(r);
	if (has > 0 && ran != want)
		return script_error(s, "%s: expected jobs=%" PRIu64 ", %u ran",
				    s->what, want, ran);
	return 0;
}

int script_cmd_queued(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	uint64_t want;
	uint32_t n = 0;
	int r;

	if (!vm || script_num_arg(s, a, "jobs", true, &want) < 0)
		return -1;
	r = script_outcome(s, gpuvm_drv_vm_queued(vm->file, vm->id, &n), NULL);
	if (r)
		return script_finish(r);
	if (n != want)
		return script_error(s, "%s: expected jobs=%" PRIu64 ", %u queued",
				    s->what, want, n);
	return 0;
}

/* Test hooks: fail an allocation of the memory or of a VM's VA manager. */
int script_cmd_fail_alloc(struct script *s, const struct script_args *a)
{
	const char *vmname = script_arg(a, "vm");
	struct script_name *vm = NULL;
	const char *why;
	uint64_t nth;

	if (script_parse_num(a->pos[0], &nth, &why))
		return script_error(s, "%s: bad count '%s': %s", s->what,
				    a->pos[0], why);
	if (vmname && !(vm = script_vm_arg(s, vmname)))
		return -1;
	if (vm)
		return script_finish(script_outcome(
			s, gpuvm_drv_vm_fail_nth_alloc(vm->file, vm->id, nth),
			NULL));
	gpuvm_mem_fail_nth_alloc(gpuvm_drv_device_mem(s->dev), nth);
	return script_finish(script_outcome(s, 0, NULL));
}
