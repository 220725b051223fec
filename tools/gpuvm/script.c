// SPDX-License-Identifier: MIT
/*
 * DOC: script runner (`gpuvm run FILE.gvs`)
 *
 * A script drives the driver layer (gpuvm/drv.h) one line at a time and
 * asserts what it sees; docs/script.md is the language reference. This
 * file cuts the text into lines and words, resolves the command and its
 * expect=, keeps the table of names, and decides whether a line held.
 * script_cmds.c has the commands, script_lex.c the parsers of numbers and
 * data, script_svg.c the picture `dump svg=` draws.
 *
 * Robustness is the design constraint, because the runner is also a fuzz
 * target (gpuvm_script_run_buffer takes any bytes):
 *  - a line is copied into one buffer of SCRIPT_MAX_LINE bytes and cut
 *    into at most SCRIPT_MAX_TOKENS words; longer lines and lines with
 *    bytes outside printable ASCII are errors, never truncated silently;
 *  - nothing recurses, every loop is bounded by the input or a limit;
 *  - names live in a fixed table (SCRIPT_MAX_NAMES), so a script cannot
 *    grow the runner's memory, and every driver object it creates hangs
 *    off the one device, which is destroyed on every way out.
 *
 * How a line holds: the command parses all of its words first, so a
 * syntax error is reported as one whatever the driver would say. Then it
 * runs its driver call and hands the result to script_outcome(), which
 * compares it with the line's expectation: success by default,
 * expect=ERRNO or expect=fault:KIND. Only a call that succeeded as
 * expected goes on to the command's own assertions (values read, lookup
 * results, statistics): a failure that was expected has nothing to
 * assert. The first line that does not hold stops the script with
 * "FILE:LINE: message" on err.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gpuvm.h"
#include "script.h"

/* ------------------------------------------------------------------ */
/* Reporting                                                           */

/*
 * Flushes out, keeping the errno of the first write that fails: stdio
 * drops a buffer it could not write and with it the reason, so a later
 * check would only see ferror().
 */
static void script_flush_out(struct script *s)
{
	if (fflush(s->out) == EOF && !s->out_errno)
		s->out_errno = errno;
}

int script_error(struct script *s, const char *fmt, ...)
{
	va_list ap;

	/* Whatever the script printed so far comes before its error. */
	script_flush_out(s);
	fprintf(s->err, "%s:%lu: ", s->file, s->line);
	va_start(ap, fmt);
	vfprintf(s->err, fmt, ap);
	va_end(ap);
	fputc('\n', s->err);
	return -1;
}

static void describe_result(char *buf, size_t n, int ret,
			    const struct gpuvm_mmu_fault *f)
{
	const char *name = script_errno_name(-ret);

	if (!ret)
		snprintf(buf, n, "success");
	else if (ret == -EFAULT && f)
		snprintf(buf, n, "fault:%s at 0x%" PRIx64,
			 script_fault_name(f->kind), f->addr);
	else if (name)
		snprintf(buf, n, "%s", name);
	else
		snprintf(buf, n, "error %d", -ret);
}

static void describe_expect(char *buf, size_t n, const struct script_expect *e)
{
	const char *name;

	switch (e->kind) {
	case SCRIPT_EXPECT_OK:
		snprintf(buf, n, "success");
		break;
	case SCRIPT_EXPECT_ERRNO:
		name = script_errno_name(e->err);
		snprintf(buf, n, "%s", name ? name : "an error");
		break;
	case SCRIPT_EXPECT_FAULT:
		snprintf(buf, n, "fault:%s", script_fault_name(e->fault));
		break;
	}
}

/*
 * Compares a driver result with the line's expectation. A GPU access
 * passes its fault record: -EFAULT with a record is a fault, which only
 * expect=fault:KIND matches. Returns -1 (reported: the line failed),
 * 1 (it failed as expected: nothing more to check) or 0 (it succeeded
 * as expected: go on to the command's assertions).
 */
int script_outcome(struct script *s, int ret,
		   const struct gpuvm_mmu_fault *fault)
{
	const struct script_expect *e = &s->expect;
	bool is_fault = ret == -EFAULT && fault;
	bool held = false;
	char want[64], got[96];

	s->outcome_seen = true;
	switch (e->kind) {
	case SCRIPT_EXPECT_OK:
		held = !ret;
		break;
	case SCRIPT_EXPECT_ERRNO:
		held = ret && !is_fault && -ret == e->err;
		break;
	case SCRIPT_EXPECT_FAULT:
		held = is_fault && fault->kind == e->fault;
		break;
	}
	if (held)
		return ret ? 1 : 0;
	describe_expect(want, sizeof(want), e);
	describe_result(got, sizeof(got), ret, is_fault ? fault : NULL);
	return script_error(s, "%s: expected %s, got %s%s%s", s->what, want,
			    got, s->detail[0] ? ": " : "", s->detail);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

static const char *kind_name(enum script_kind kind)
{
	switch (kind) {
	case SCRIPT_FILE: return "file";
	case SCRIPT_VM: return "VM";
	case SCRIPT_BO: return "BO";
	case SCRIPT_UFILE: return "ioctl file";
	case SCRIPT_UMAP: return "mapping";
	case SCRIPT_UMEM: return "buffer";
	default: return "name";
	}
}

/* A free slot for a new name, or -1 (reported). The caller fills it in
 * once the driver object exists, so a failed create defines nothing. */
int script_new_name(struct script *s, const char *name)
{
	int i, slot = -1;

	if (!script_valid_name(name))
		return script_error(s, "%s: bad name '%s' (a letter or _, then letters, digits or _, at most %d bytes)",
				    s->what, name, SCRIPT_NAME_LEN - 1);
	for (i = 0; i < SCRIPT_MAX_NAMES; i++) {
		const struct script_name *n = &s->names[i];

		if (n->kind == SCRIPT_FREE) {
			if (slot < 0)
				slot = i;
		} else if (!strcmp(n->name, name)) {
			return script_error(s, "%s: name '%s' is already a %s",
					    s->what, name, kind_name(n->kind));
		}
	}
	if (slot < 0)
		return script_error(s, "%s: too many names (at most %d files, VMs and BOs at a time)",
				    s->what, SCRIPT_MAX_NAMES);
	return slot;
}

struct script_name *script_find(struct script *s, const char *name,
				enum script_kind kind)
{
	int i;

	for (i = 0; i < SCRIPT_MAX_NAMES; i++) {
		struct script_name *n = &s->names[i];

		if (n->kind == SCRIPT_FREE || strcmp(n->name, name))
			continue;
		if (n->kind == kind)
			return n;
		script_error(s, "%s: '%s' is a %s, not a %s", s->what, name,
			     kind_name(n->kind), kind_name(kind));
		return NULL;
	}
	script_error(s, "%s: unknown %s '%s'", s->what, kind_name(kind), name);
	return NULL;
}

/* The script's name for a BO handle of a file, or NULL. */
const char *script_bo_name(const struct script *s,
			   const struct gpuvm_drv_file *file, uint32_t handle)
{
	int i;

	for (i = 0; i < SCRIPT_MAX_NAMES; i++) {
		const struct script_name *n = &s->names[i];

		if (n->kind == SCRIPT_BO && n->file == file && n->id == handle)
			return n->name;
	}
	return NULL;
}

/* A closed file takes its VMs and BOs with it, and their names. */
void script_forget_file(struct script *s, const struct gpuvm_drv_file *file)
{
	int i;

	for (i = 0; i < SCRIPT_MAX_NAMES; i++)
		if (s->names[i].kind != SCRIPT_FREE && s->names[i].file == file)
			s->names[i].kind = SCRIPT_FREE;
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */

/*
 * Drops the comment, checks every byte is printable ASCII and turns
 * blanks into NULs: the line becomes a run of words.
 */
static int clean_line(struct script *s, char *line, size_t *n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < *n; i++) {
		if (line[i] == '#') {
			*n = i;
			break;
		}
	}
	for (i = 0; i < *n; i++) {
		c = (unsigned char)line[i];
		if (c == ' ' || c == '\t' || c == '\r')
			line[i] = '\0';
		else if (c < 0x21 || c > 0x7e)
			return script_error(s, "invalid byte 0x%02x (scripts are printable ASCII outside comments)",
					    c);
	}
	line[*n] = '\0';
	return 0;
}

static int split_words(struct script *s, char *line, size_t n, char **w,
		       unsigned int *nw)
{
	size_t i = 0;

	*nw = 0;
	while (i < n) {
		if (!line[i]) {
			i++;
			continue;
		}
		if (*nw == SCRIPT_MAX_TOKENS)
			return script_error(s, "too many words (at most %d)",
					    SCRIPT_MAX_TOKENS);
		w[(*nw)++] = &line[i];
		i += strlen(&line[i]);
	}
	return 0;
}

static int parse_expect(struct script *s, const struct script_cmd *cmd,
			const char *v)
{
	struct script_expect *e = &s->expect;

	if (!strncmp(v, "fault:", 6)) {
		if (!cmd->gpu)
			return script_error(s, "%s: expect=fault:KIND applies only to gpu_read, gpu_write, gpu_exec and cs_run",
					    s->what);
		if (script_fault_parse(v + 6, &e->fault))
			return script_error(s, "%s: unknown fault kind '%s' (translation, permission, address or access)",
					    s->what, v + 6);
		e->kind = SCRIPT_EXPECT_FAULT;
		return 0;
	}
	e->err = script_errno_parse(v);
	if (!e->err)
		return script_error(s, "%s: unknown errno name '%s'", s->what,
				    v);
	e->kind = SCRIPT_EXPECT_ERRNO;
	return 0;
}

/* "bind V1 map": the command and its positional words, for messages. */
static void set_what(struct script *s, char **w, unsigned int nw,
		     unsigned int npos)
{
	size_t len = 0;
	unsigned int i;
	int r;

	s->what[0] = '\0';
	for (i = 0; i <= npos && i < nw && !strchr(w[i], '='); i++) {
		r = snprintf(s->what + len, sizeof(s->what) - len, "%s%s",
			     i ? " " : "", w[i]);
		if (r < 0 || (size_t)r >= sizeof(s->what) - len)
			break;
		len += (size_t)r;
	}
}

/* The positional word at w[i], or "missing" with its name from the list. */
static int take_positional(struct script *s, const struct script_cmd *cmd,
			   char **w, unsigned int nw, unsigned int i)
{
	const char *p = cmd->pos_names;
	unsigned int k;
	size_t len;

	if (i < nw && !strchr(w[i], '='))
		return 0;
	for (k = 1; k < i && strchr(p, '|'); k++)
		p = strchr(p, '|') + 1;
	len = strchr(p, '|') ? (size_t)(strchr(p, '|') - p) : strlen(p);
	return script_error(s, "%s: missing %.*s", s->what, (int)len, p);
}

static int check_duplicate(struct script *s, const struct script_args *a,
			   const char *key)
{
	unsigned int i;

	for (i = 0; i < a->ntok; i++)
		if (!strcmp(a->tok[i].key, key))
			return script_error(s, "%s: duplicate '%s'", s->what,
					    key);
	return 0;
}

/* Sorts the words after the positional ones into keys and bare words. */
static int parse_args(struct script *s, struct script_args *a, char **w,
		      unsigned int nw)
{
	const struct script_cmd *cmd = a->cmd;
	bool have_expect = false;
	unsigned int i;
	char *eq;

	for (i = 1 + cmd->npos; i < nw; i++) {
		eq = strchr(w[i], '=');
		if (eq == w[i])
			return script_error(s, "%s: '%s' has no key", s->what,
					    w[i]);
		if (eq)
			*eq = '\0';
		if (!strcmp(w[i], "expect") && eq) {
			if (have_expect)
				return script_error(s, "%s: duplicate 'expect'",
						    s->what);
			have_expect = true;
			if (parse_expect(s, cmd, eq + 1))
				return -1;
			continue;
		}
		if (!(eq && !strcmp(cmd->keys, "*")) &&
		    !script_in_list(eq ? cmd->keys : cmd->words, w[i]))
			return script_error(s, "%s: unknown %s '%s'", s->what,
					    eq ? "key" : "word", w[i]);
		if (check_duplicate(s, a, w[i]))
			return -1;
		a->tok[a->ntok].key = w[i];
		a->tok[a->ntok].val = eq ? eq + 1 : NULL;
		a->ntok++;
	}
	return 0;
}

static int default_device(struct script *s)
{
	struct gpuvm_drv_device_cfg cfg = { 0 };
	int ret;

	if (s->dev)
		return 0;
	ret = gpuvm_drv_device_create(&cfg, &s->dev);
	if (ret) {
		s->dev = NULL;
		return script_error(s, "%s: cannot create the default device: %s",
				    s->what, strerror(-ret));
	}
	return 0;
}

static int run_line(struct script *s, char *line, size_t n)
{
	struct script_args a;
	char *w[SCRIPT_MAX_TOKENS];
	unsigned int nw, i;

	if (clean_line(s, line, &n) || split_words(s, line, n, w, &nw))
		return -1;
	if (!nw)
		return 0;
	memset(&a, 0, sizeof(a));
	memset(&s->expect, 0, sizeof(s->expect));
	s->outcome_seen = false;
	s->detail[0] = '\0';
	a.cmd = script_cmd_find(w[0]);
	if (!a.cmd)
		return script_error(s, "unknown command '%s'", w[0]);
	set_what(s, w, nw, a.cmd->npos);
	for (i = 1; i <= a.cmd->npos; i++) {
		if (take_positional(s, a.cmd, w, nw, i))
			return -1;
		a.pos[a.npos++] = w[i];
	}
	if (parse_args(s, &a, w, nw))
		return -1;
	if (a.cmd->needs_dev && default_device(s))
		return -1;
	if (a.cmd->run(s, &a))
		return -1;
	/* A command with no driver call of its own still honours expect=. */
	return s->outcome_seen || script_outcome(s, 0, NULL) >= 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

int gpuvm_script_run(const char *name, const char *text, size_t len,
		     FILE *out, FILE *err, const struct gpuvm_script_opts *opts)
{
	struct script *s = calloc(1, sizeof(*s));
	char *line = malloc(SCRIPT_MAX_LINE + 1);
	size_t pos = 0, n;
	const char *nl;
	int ret = 0;

	if (!s || !line) {
		fprintf(err, "%s: out of memory\n", name);
		free(s);
		free(line);
		return 1;
	}
	s->file = name;
	s->out = out;
	s->err = err;
	if (opts)
		s->opts = *opts;
	while (!ret && pos < len) {
		s->line++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (n > SCRIPT_MAX_LINE) {
			ret = script_error(s, "line too long (%zu bytes, at most %d)",
					   n, SCRIPT_MAX_LINE);
		} else {
			memcpy(line, text + pos, n);
			ret = run_line(s, line, n);
		}
		pos += n + (nl != NULL);
		/*
		 * A write failed inside the line (stdio flushing a full
		 * buffer): the next flush of what followed it says why.
		 */
		if (ferror(out) && !s->out_errno)
			script_flush_out(s);
	}
	script_uapi_cleanup(s);
	gpuvm_drv_device_destroy(s->dev);
	script_flush_out(s);
	if (opts && opts->write_errno)
		*opts->write_errno = s->out_errno;
	free(line);
	free(s);
	return ret ? 1 : 0;
}

int gpuvm_script_run_buffer(const char *name, const char *text, size_t len,
			    FILE *out, FILE *err)
{
	return gpuvm_script_run(name, text, len, out, err, NULL);
}

/* The whole file, at most SCRIPT_MAX_FILE bytes; "-" is stdin. */
static int read_all(FILE *f, char **bufp, size_t *lenp)
{
	size_t cap = 0, len = 0, got;
	char *buf = NULL, *nbuf;
	int err = 0;

	for (;;) {
		if (len == cap) {
			if (cap > SCRIPT_MAX_FILE) {
				free(buf);
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 64 * 1024;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
		}
		errno = 0;
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (!got) {
			err = errno;
			break;
		}
	}
	if (ferror(f) || len > SCRIPT_MAX_FILE) {
		free(buf);
		if (!ferror(f))
			return -EFBIG;
		return err ? -err : -EIO;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* Opens path for reading ("-" is stdin); NULL after reporting why. */
static FILE *open_script(const char *path)
{
	struct stat st;
	FILE *f;

	if (!strcmp(path, "-"))
		return stdin;
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	/* Reading a directory fails with a less helpful EISDIR (or EIO). */
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: is a directory\n", path);
		fclose(f);
		return NULL;
	}
	return f;
}

int gpuvm_cmd_run(int argc, char **argv, int *write_errno)
{
	struct gpuvm_script_opts opts = { .write_errno = write_errno };
	const char *path;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--trace")) {
		opts.trace = true;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: gpuvm run [--trace] FILE.gvs   (- for stdin)\n");
		return 2;
	}
	path = argv[1];
	f = open_script(path);
	if (!f)
		return 1;
	ret = read_all(f, &text, &len);
	if (f != stdin)
		fclose(f);
	if (ret == -EFBIG)
		fprintf(stderr, "%s: larger than 16 MiB\n", path);
	else if (ret)
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-ret));
	if (ret)
		return 1;
	ret = gpuvm_script_run(path, text, len, stdout, stderr, &opts);
	free(text);
	return ret;
}
