// SPDX-License-Identifier: MIT
/*
 * NULL pointer arguments: every public function, called with each of its
 * pointer arguments NULL in turn (the others valid), returns what its
 * header documents and changes nothing. Used by tests/<module>/
 * test_null_args.c and, for the driver, by tests/drv/test_hostile.c.
 *
 * A layer's test is a table of cases, one row per (function, pointer
 * argument) pair. A row names the function and the argument, the
 * documented result, and a call: a small function that calls the public
 * one with NA(name, value) for each pointer argument. NA gives NULL for
 * the argument the running row names and the value for the others, and
 * counts that it did: a row whose call does not pass its argument as
 * NULL exactly once fails, so a row cannot name an argument its call
 * does not have. A function without pointer arguments gets one row with
 * NA_NONE; its call is checked the same way (result, nothing changed).
 *
 * Completeness: na_check_header() reads the module's public header,
 * lists every gpuvm_ function it declares (static inline ones too) with
 * its pointer parameters (anything with a '*', and the function pointer
 * typedefs of the header and of the gpuvm headers it includes), and
 * fails unless the table has exactly those pairs:
 * a function added to a header without its rows fails its layer's test,
 * as does a row for a pair the header does not have.
 *
 * Each row runs in a child process (fork) on a copy of the fixture the
 * parent built: the child takes a snapshot (the layer's own text of
 * every state a call could disturb), makes the call, takes it again and
 * exits with its verdict. A crash fails that row only and the table
 * carries on, so one run lists every broken pair; and every row starts
 * from the same state, because the parent's copy is never touched.
 * cmocka assertions inside the child (in a snapshot) abort it, through
 * CMOCKA_TEST_ABORT, instead of jumping back into the parent's runner.
 *
 * The calls' results are int64_t: an errno as is, a pointer as 0 for
 * NULL, an unsigned value cast (UINT64_MAX is -1), 0 for a void call.
 * Out-structures a call fills are poisoned with NA_POISON first and
 * reported by na_fill(): NA_ZEROED, NA_UNTOUCHED or -1 for anything
 * else.
 *
 * cmocka needs <setjmp.h>, <stdarg.h>, <stddef.h> and <stdint.h> first.
 */
#ifndef GPUVM_TESTS_NULL_ARGS_H
#define GPUVM_TESTS_NULL_ARGS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef GPUVM_TEST_INCLUDE_DIR
#error "tests/meson.build passes the public headers' directory"
#endif

/* The row's call does its normal work (NULL is allowed there and the
 * call changes state as documented): no snapshots; the call checks the
 * effect it documents with NA_EXPECT. */
#define NA_CHANGES 1u

struct na_case {
	const char *fn;   /* the public function */
	const char *arg;  /* the pointer argument passed as NULL; NULL: none */
	int64_t want;     /* what the call returns */
	unsigned int flags;
	int64_t (*call)(void *fx);
};

#define NA_ROW(f, a, w, c, ...) \
	{ .fn = #f, .arg = #a, .want = (w), .call = (c), __VA_ARGS__ }
#define NA_NONE(f, w, c) { .fn = #f, .arg = NULL, .want = (w), .call = (c) }

#define NA_VOID      0           /* what a call of a void function returns */
#define NA_NULLPTR   0           /* a pointer result: NULL */
#define NA_POISON    0xa5
#define NA_ZEROED    0
#define NA_UNTOUCHED NA_POISON

/* Per executable: the row running in this child, and what it saw. */
static const char *na_null;
static unsigned int na_hits;
static bool na_broken;

static inline bool na_take(const char *name)
{
	if (!na_null || strcmp(na_null, name))
		return false;
	na_hits++;
	return true;
}

/* The value, or NULL if it is the argument the running row names. */
#define NA(name, value) (na_take(#name) ? NULL : (value))

/* Is name the argument the running row passes as NULL? (Not counted.) */
static inline bool na_is(const char *name)
{
	return na_null && !strcmp(na_null, name);
}

/* A side condition of a call, checked in the child. */
#define NA_EXPECT(cond)                                                   \
	do {                                                              \
		if (!(cond)) {                                            \
			print_message("    %s:%d: %s is false\n", __FILE__,  \
				      __LINE__, #cond);                   \
			na_broken = true;                                 \
		}                                                         \
	} while (0)

static inline void na_poison(void *p, size_t n)
{
	memset(p, NA_POISON, n);
}

/* NA_ZEROED, NA_UNTOUCHED (all NA_POISON) or -1. */
static inline int64_t na_fill(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 1; i < n; i++)
		if (c[i] != c[0])
			return -1;
	return c[0] == 0 || c[0] == NA_POISON ? c[0] : -1;
}

/* A checksum of n bytes, for contents in snapshots. */
static inline uint64_t na_sum(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

/* Text written by fn to a FILE, for snapshots; the caller frees it. */
static inline char *na_text(void (*fn)(void *fx, FILE *f), void *fx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(fx, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Running the table                                                   */

static inline void na_first_diff(const char *a, const char *b)
{
	const char *la = a, *lb = b;
	unsigned int line = 1;

	while (*a && *a == *b) {
		if (*a == '\n') {
			la = a + 1;
			lb = b + 1;
			line++;
		}
		a++;
		b++;
	}
	print_message("    line %u before: %.*s\n", line,
		      (int)strcspn(la, "\n"), la);
	print_message("    line %u after:  %.*s\n", line,
		      (int)strcspn(lb, "\n"), lb);
}

static inline const char *na_arg_name(const struct na_case *c)
{
	return c->arg ? c->arg : "(no pointer argument)";
}

/* The child's exit status for a row that does not hold (details printed);
 * not 1, which the sanitizers use. */
#define NA_EXIT_BROKEN 3

/* In the child: true if the row holds. */
static inline bool na_child(const struct na_case *c, void *fx,
			   char *(*snap)(void *fx))
{
	bool changes = c->flags & NA_CHANGES;
	char *before = changes ? NULL : snap(fx), *after;
	int64_t got;

	na_null = c->arg;
	na_hits = 0;
	na_broken = false;
	got = c->call(fx);
	na_null = NULL;
	after = changes ? NULL : snap(fx);
	if (got != c->want) {
		print_message("    returned %" PRId64 " (%#" PRIx64 "), want %"
			      PRId64 " (%#" PRIx64 ")\n", got, (uint64_t)got,
			      c->want, (uint64_t)c->want);
		na_broken = true;
	}
	if (na_hits != (c->arg ? 1u : 0u)) {
		print_message("    the call passed %s as NULL %u times\n",
			      na_arg_name(c), na_hits);
		na_broken = true;
	}
	if (!changes && strcmp(before, after)) {
		print_message("    the state changed\n");
		na_first_diff(before, after);
		na_broken = true;
	}
	free(before);
	free(after);
	return !na_broken;
}

/* Runs one row in a child; true if it held. */
static inline bool na_run_one(const struct na_case *c, void *fx,
			      char *(*snap)(void *fx))
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	int status = 0;
	unsigned int i;
	pid_t pid;

	/* Nothing buffered may be written twice. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka's handlers would jump back into the test runner. */
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		setenv("CMOCKA_TEST_ABORT", "1", 1);
		alarm(60);
		status = na_child(c, fx, snap) ? 0 : NA_EXIT_BROKEN;
		fflush(stdout);
		fflush(stderr);
		_exit(status);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFSIGNALED(status))
		print_message("    killed by signal %d (%s)\n", WTERMSIG(status),
			      strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != NA_EXIT_BROKEN)
		print_message("    exit status %d (a sanitizer's report?)\n",
			      WEXITSTATUS(status));
	return false;
}

/*
 * Runs every row; prints each failing one and fails once at the end, so
 * one run shows every broken pair.
 */
static inline void na_run(const struct na_case *cases, size_t n, void *fx,
			  char *(*snap)(void *fx))
{
	unsigned int bad = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct na_case *c = &cases[i];

		print_message("%s, %s NULL\n", c->fn, na_arg_name(c));
		if (!na_run_one(c, fx, snap)) {
			print_message("FAILED: %s, %s NULL\n", c->fn,
				      na_arg_name(c));
			bad++;
		}
	}
	print_message("%zu rows, %u failed\n", n, bad);
	assert_int_equal(bad, 0);
}

/* ------------------------------------------------------------------ */
/* Reading the header                                                  */

#define NA_NAME_MAX 64
#define NA_MAX_DECLS 512
#define NA_MAX_TYPEDEFS 32

struct na_decl {
	char fn[NA_NAME_MAX];
	char arg[NA_NAME_MAX]; /* "" for a function without pointer args */
};

struct na_header {
	struct na_decl decl[NA_MAX_DECLS];
	size_t n;
	char typedefs[NA_MAX_TYPEDEFS][NA_NAME_MAX]; /* function pointers */
	size_t ntypedefs;
};

static inline char *na_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Blanks comments and string and character literals, keeping newlines. */
static inline void na_blank_comments(char *s)
{
	char *p = s, quote;

	while (*p) {
		if (p[0] == '/' && p[1] == '*') {
			for (; *p && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p != '\n')
					*p = ' ';
			if (*p)
				p[0] = p[1] = ' ';
			p += *p ? 2 : 0;
		} else if (p[0] == '/' && p[1] == '/') {
			for (; *p && *p != '\n'; p++)
				*p = ' ';
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
			for (*p++ = ' '; *p && *p != quote && *p != '\n'; p++) {
				if (*p == '\\' && p[1])
					*p++ = ' ';
				*p = ' ';
			}
			if (*p == quote)
				*p++ = ' ';
		} else {
			p++;
		}
	}
}

/*
 * Blanks preprocessor lines (with their continuations) and whole
 * #ifdef __cplusplus blocks (their extern "C" braces would otherwise
 * look like a body around every declaration).
 */
static inline void na_blank_preprocessor(char *s)
{
	bool cxx = false, cont = false;
	char *line = s, *end, *q;

	for (; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		for (q = line; q < end && isspace((unsigned char)*q); q++)
			;
		if (!cont && q < end && *q == '#') {
			if (!strncmp(q, "#ifdef __cplusplus", 18))
				cxx = true;
			else if (cxx && !strncmp(q, "#endif", 6))
				cxx = false;
			cont = end > line && end[-1] == '\\';
		} else if (cont) {
			cont = end > line && end[-1] == '\\';
		} else if (!cxx) {
			continue;
		}
		memset(line, ' ', (size_t)(end - line));
	}
}

static inline bool na_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static inline const char *na_skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

static inline void na_copy_name(char *dst, const char *src, size_t len)
{
	assert_true(len > 0 && len < NA_NAME_MAX);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The ')' matching the '(' at p. */
static inline const char *na_close_paren(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p;
	}
	fail_msg("unbalanced parentheses in a header");
	return p;
}

static inline bool na_is_fn_typedef(const struct na_header *h,
				    const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < h->ntypedefs; i++)
		if (strlen(h->typedefs[i]) == len &&
		    !strncmp(h->typedefs[i], s, len))
			return true;
	return false;
}

static inline void na_add_decl(struct na_header *h, const char *fn,
			       const char *arg, size_t arg_len)
{
	struct na_decl *d;

	assert_true(h->n < NA_MAX_DECLS);
	d = &h->decl[h->n++];
	snprintf(d->fn, sizeof(d->fn), "%s", fn);
	d->arg[0] = '\0';
	if (arg_len)
		na_copy_name(d->arg, arg, arg_len);
}

/* One parameter [s, e): adds it if it is a pointer. */
static inline bool na_param(struct na_header *h, const char *fn,
			    const char *s, const char *e)
{
	const char *p, *name = NULL, *type = NULL;
	size_t name_len = 0, type_len = 0;
	bool ptr = false;

	for (p = s; p < e;) {
		if (*p == '*')
			ptr = true;
		if (!na_ident_char(*p)) {
			p++;
			continue;
		}
		type = name;
		type_len = name_len;
		name = p;
		while (p < e && na_ident_char(*p))
			p++;
		name_len = (size_t)(p - name);
	}
	if (!name || (name_len == 4 && !strncmp(name, "void", 4) && !ptr))
		return false;
	if (!ptr && !(type && na_is_fn_typedef(h, type, type_len)))
		return false;
	na_add_decl(h, fn, name, name_len);
	return true;
}

/* The parameter list (open, close) of function fn. */
static inline void na_params(struct na_header *h, const char *fn,
			     const char *open, const char *close)
{
	const char *s = open + 1, *p;
	bool any = false;
	int depth = 0;

	for (p = s; p <= close; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && p < close)
			depth--;
		if ((*p == ',' && depth == 0) || p == close) {
			any |= na_param(h, fn, s, p);
			s = p + 1;
		}
	}
	if (!any)
		na_add_decl(h, fn, NULL, 0);
}

/* Function pointer typedefs: "(*name)" outside any braces. */
static inline void na_scan_typedefs(struct na_header *h, const char *s)
{
	const char *p, *q;
	int depth = 0;

	for (p = s; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}')
			depth--;
		if (depth || p[0] != '(')
			continue;
		q = na_skip_space(p + 1);
		if (*q != '*')
			continue;
		q = na_skip_space(q + 1);
		for (p = q; na_ident_char(*p); p++)
			;
		if (p > q && *na_skip_space(p) == ')') {
			assert_true(h->ntypedefs < NA_MAX_TYPEDEFS);
			na_copy_name(h->typedefs[h->ntypedefs++], q,
				     (size_t)(p - q));
		}
		p--;
	}
}

/* Every gpuvm_ function declared or defined outside any braces. */
static inline void na_scan_functions(struct na_header *h, const char *s)
{
	char fn[NA_NAME_MAX];
	const char *p = s, *id, *open;
	int depth = 0;

	while (*p) {
		if (*p == '{' || *p == '}') {
			depth += *p == '{' ? 1 : -1;
			p++;
			continue;
		}
		if (!na_ident_char(*p) ||
		    (p > s && na_ident_char(p[-1]))) {
			p++;
			continue;
		}
		for (id = p; na_ident_char(*p); p++)
			;
		open = na_skip_space(p);
		if (depth || *open != '(' || strncmp(id, "gpuvm_", 6))
			continue;
		na_copy_name(fn, id, (size_t)(p - id));
		p = na_close_paren(open);
		na_params(h, fn, open, p);
	}
	assert_int_equal(depth, 0);
}

/*
 * The function pointer typedefs of the gpuvm headers s includes (one
 * level): a parameter of a type another module declares (masreg.h's
 * gpuvm_mmu_fault_fn, from mmu.h) is a pointer argument too.
 */
static inline void na_scan_included(struct na_header *h, const char *s)
{
	const char *p = s, *name, *end;
	char path[512], *inc;

	while ((p = strstr(p, "#include \"gpuvm/"))) {
		name = p + strlen("#include \"");
		end = strchr(name, '"');
		assert_non_null(end);
		snprintf(path, sizeof(path), "%s/%.*s", GPUVM_TEST_INCLUDE_DIR,
			 (int)(end - name), name);
		inc = na_read_file(path);
		na_blank_comments(inc);
		na_blank_preprocessor(inc);
		na_scan_typedefs(h, inc);
		free(inc);
		p = end;
	}
}

static inline void na_read_header(struct na_header *h, const char *path)
{
	char *s = na_read_file(path);

	memset(h, 0, sizeof(*h));
	na_scan_included(h, s);
	na_blank_comments(s);
	na_blank_preprocessor(s);
	na_scan_typedefs(h, s);
	na_scan_functions(h, s);
	free(s);
}

static inline bool na_same_arg(const char *row_arg, const char *decl_arg)
{
	return row_arg ? !strcmp(row_arg, decl_arg) : !decl_arg[0];
}

/*
 * Fails unless the rows cover exactly the (function, pointer argument)
 * pairs the header declares, plus one NA_NONE row per function without
 * pointer arguments. Returns the number of pairs (NA_NONE rows apart).
 */
static inline unsigned int na_check_header(const char *header,
					   const struct na_case *cases,
					   size_t n)
{
	static struct na_header h; /* large: not on the stack */
	char path[512];
	unsigned int bad = 0, pairs = 0;
	size_t i, k;

	snprintf(path, sizeof(path), "%s/%s", GPUVM_TEST_INCLUDE_DIR, header);
	na_read_header(&h, path);
	assert_true(h.n > 0);
	for (k = 0; k < h.n; k++) {
		for (i = 0; i < n; i++)
			if (!strcmp(cases[i].fn, h.decl[k].fn) &&
			    na_same_arg(cases[i].arg, h.decl[k].arg))
				break;
		if (i == n) {
			print_message("%s: no row for %s, %s\n", header,
				      h.decl[k].fn, h.decl[k].arg[0] ?
				      h.decl[k].arg : "(no pointer argument)");
			bad++;
		}
		pairs += h.decl[k].arg[0] != '\0';
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < h.n; k++)
			if (!strcmp(cases[i].fn, h.decl[k].fn) &&
			    na_same_arg(cases[i].arg, h.decl[k].arg))
				break;
		if (k == h.n) {
			print_message("%s declares no %s with pointer argument "
				      "%s\n", header, cases[i].fn,
				      na_arg_name(&cases[i]));
			bad++;
		}
	}
	print_message("%s: %zu declared pairs (%u with a pointer argument), "
		      "%zu rows\n", header, h.n, pairs, n);
	assert_int_equal(bad, 0);
	return pairs;
}

/*
 * The two tests of a module's table `cases`: the table against the
 * header, then every row against a fixture of type fx_t made by make()
 * and freed by fini() (snap() is the module's snapshot).
 */
#define NA_TABLE_TESTS(header, fx_t, make, fini)                          \
	static void test_header_complete(void **state)                    \
	{                                                                 \
		(void)state;                                              \
		na_check_header(header, cases,                            \
				sizeof(cases) / sizeof(cases[0]));        \
	}                                                                 \
	static void test_null_args(void **state)                          \
	{                                                                 \
		fx_t fx;                                                  \
		(void)state;                                              \
		make(&fx);                                                \
		na_run(cases, sizeof(cases) / sizeof(cases[0]), &fx, snap); \
		fini(&fx);                                                \
	}

/* A module's NULL-argument test program: NA_TABLE_TESTS and nothing else. */
#define NA_MAIN(header, fx_t, make, fini)                                 \
	NA_TABLE_TESTS(header, fx_t, make, fini)                          \
	int main(void)                                                    \
	{                                                                 \
		const struct CMUnitTest tests[] = {                       \
			cmocka_unit_test(test_header_complete),           \
			cmocka_unit_test(test_null_args),                 \
		};                                                        \
		return cmocka_run_group_tests(tests, NULL, NULL);         \
	}

#endif /* GPUVM_TESTS_NULL_ARGS_H */
