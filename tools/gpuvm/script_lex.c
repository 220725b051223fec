// SPDX-License-Identifier: MIT
/*
 * DOC: script lexical helpers
 *
 * The small parsers every command shares: numbers, hex byte strings,
 * names, and the tables that turn errno and fault-kind names into values
 * and back.
 *
 * Numbers are what a driver developer writes: 4096, 0x1000, 4K, 2M, 1G,
 * 1T (powers of 1024), and sums and differences of those, 4G+0x100 or
 * 10M-4K, evaluated left to right. Every step is checked: a digit, a
 * suffix or a sum that would leave [0, 2^64) is an error, never a wrap,
 * because a wrapped size is exactly the kind of value a script uses to
 * test the driver's overflow checks and must not be produced by accident.
 *
 * Everything here works on NUL-terminated strings the runner has already
 * bounded (a line is at most SCRIPT_MAX_LINE bytes), loops once over its
 * input and allocates nothing.
 */
#define _GNU_SOURCE    /* strerrorname_np */
#include <errno.h>
#include <string.h>

#include "script.h"

/* ------------------------------------------------------------------ */
/* Numbers                                                             */

static int digit_value(char c, unsigned int base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < (int)base ? v : -1;
}

static unsigned int suffix_shift(char c)
{
	switch (c) {
	case 'K': return 10;
	case 'M': return 20;
	case 'G': return 30;
	case 'T': return 40;
	default: return 0;
	}
}

/* One term: decimal or 0x hex digits, then an optional K/M/G/T. */
static int parse_term(const char **pp, uint64_t *out, const char **why)
{
	const char *p = *pp, *digits;
	unsigned int base = 10, shift;
	uint64_t v = 0;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (digits = p; (d = digit_value(*p, base)) >= 0; p++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base) {
			*why = "does not fit in 64 bits";
			return -1;
		}
		v = v * base + (uint64_t)d;
	}
	if (p == digits) {
		*why = base == 16 ? "no hex digits after 0x" : "expected a number";
		return -1;
	}
	shift = suffix_shift(*p);
	if (shift) {
		if (v > UINT64_MAX >> shift) {
			*why = "does not fit in 64 bits";
			return -1;
		}
		v <<= shift;
		p++;
	}
	*pp = p;
	*out = v;
	return 0;
}

int script_parse_num(const char *text, uint64_t *out, const char **why)
{
	const char *p = text;
	uint64_t acc, t;
	char op;

	if (parse_term(&p, &acc, why))
		return -1;
	while (*p == '+' || *p == '-') {
		op = *p++;
		if (parse_term(&p, &t, why))
			return -1;
		if (op == '+' && acc > UINT64_MAX - t) {
			*why = "sum does not fit in 64 bits";
			return -1;
		}
		if (op == '-' && t > acc) {
			*why = "difference is negative";
			return -1;
		}
		acc = op == '+' ? acc + t : acc - t;
	}
	if (*p) {
		*why = "unexpected character in number";
		return -1;
	}
	*out = acc;
	return 0;
}

/* An even number of hex digits, two per byte, first byte first. */
int script_parse_hex(const char *text, uint8_t *buf, size_t cap,
		     size_t *len, const char **why)
{
	size_t n = strlen(text), i;
	int hi, lo;

	if (!n || n % 2) {
		*why = "needs an even, non-zero number of hex digits";
		return -1;
	}
	if (n / 2 > cap) {
		*why = "too many bytes";
		return -1;
	}
	for (i = 0; i < n / 2; i++) {
		hi = digit_value(text[2 * i], 16);
		lo = digit_value(text[2 * i + 1], 16);
		if (hi < 0 || lo < 0) {
			*why = "not a hex digit";
			return -1;
		}
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Names and word lists                                                */

static bool name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool script_valid_name(const char *name)
{
	size_t i;

	if (!name_start(name[0]))
		return false;
	for (i = 1; name[i]; i++)
		if (!name_start(name[i]) && !(name[i] >= '0' && name[i] <= '9'))
			return false;
	return i < SCRIPT_NAME_LEN;
}

/* Is word one of the space-separated words of list? */
bool script_in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list, *e;

	while (*p) {
		e = strchr(p, ' ');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && !memcmp(p, word, n))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* errno and fault-kind names                                          */

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EIO", EIO },
	{ "E2BIG", E2BIG }, { "EBADF", EBADF }, { "EAGAIN", EAGAIN },
	{ "ENOMEM", ENOMEM }, { "EACCES", EACCES }, { "EFAULT", EFAULT },
	{ "EBUSY", EBUSY }, { "EEXIST", EEXIST }, { "ENODEV", ENODEV },
	{ "EINVAL", EINVAL }, { "ENOSPC", ENOSPC }, { "ERANGE", ERANGE },
	{ "ENOSYS", ENOSYS }, { "EOVERFLOW", EOVERFLOW },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "ETIMEDOUT", ETIMEDOUT },
	{ "ESTALE", ESTALE }, { "EUCLEAN", EUCLEAN }, { "ETIME", ETIME },
	{ "ENOTTY", ENOTTY },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The positive errno for a name, or 0. */
int script_errno_parse(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnos); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].err;
	/* Any other name the C library knows (the ioctl level can give
	 * more than the driver's errnos). */
	for (i = 1; i < 4096; i++) {
		const char *n = strerrorname_np((int)i);

		if (n && !strcmp(n, name))
			return (int)i;
	}
	return 0;
}

/* The name of a positive errno, or NULL if the table lacks it. */
const char *script_errno_name(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return err > 0 ? strerrorname_np(err) : NULL;
}

/* The first name of each kind is the one printed. */
static const struct {
	const char *name;
	enum gpuvm_mmu_fault_kind kind;
} faults[] = {
	{ "translation", GPUVM_MMU_FAULT_TRANSLATION },
	{ "permission", GPUVM_MMU_FAULT_PERMISSION },
	{ "address", GPUVM_MMU_FAULT_ADDRESS_SIZE },
	{ "address_size", GPUVM_MMU_FAULT_ADDRESS_SIZE },
	{ "access", GPUVM_MMU_FAULT_ACCESS_FLAG },
	{ "access_flag", GPUVM_MMU_FAULT_ACCESS_FLAG },
};

int script_fault_parse(const char *name, enum gpuvm_mmu_fault_kind *kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(faults); i++) {
		if (!strcmp(faults[i].name, name)) {
			*kind = faults[i].kind;
			return 0;
		}
	}
	return -1;
}

const char *script_fault_name(enum gpuvm_mmu_fault_kind kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(faults); i++)
		if (faults[i].kind == kind)
			return faults[i].name;
	return "unknown";
}
