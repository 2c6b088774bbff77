/* ui.c - progress lines and NAME [-n NS] parsing for ferryctl's daemon commands. */
#include "ctl/ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/table.h"
#include "daemon/protocol.h"
#include "util/timeutil.h"

static bool colour(void)
{
	const char *no = getenv("NO_COLOR");

	return isatty(STDERR_FILENO) && (!no || !*no);
}

static void say(const char *symbol, const char *ansi, const char *fmt, va_list ap)
{
	bool c = ansi && colour();

	fprintf(stderr, "%s%s%s ", c ? ansi : "", symbol, c ? "\033[0m" : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define SAY(symbol, ansi) do { va_list ap; va_start(ap, fmt); say(symbol, ansi, fmt, ap); va_end(ap); } while (0)

void ui_action(const char *fmt, ...) { SAY("►", NULL); }
void ui_success(const char *fmt, ...) { SAY("✔", "\033[32m"); }
void ui_waiting(const char *fmt, ...) { SAY("◎", NULL); }
void ui_failure(const char *fmt, ...) { SAY("✗", "\033[31m"); }

static int usage(const char *cmd, bool with_timeout, const char *problem, const char *arg)
{
	fprintf(stderr, "ferryctl %s: %s%s%s%s\n", cmd, problem, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	fprintf(stderr, "Usage: ferryctl %s [source oci] NAME [-n NAMESPACE]%s [-o table|json|yaml]\n", cmd,
		with_timeout ? " [--timeout DURATION]" : "");
	return 2;
}

static bool take(int argc, char **argv, int *i, const char *shrt, const char *lng, const char **out)
{
	size_t len = strlen(lng);

	if ((shrt && strcmp(argv[*i], shrt) == 0) || strcmp(argv[*i], lng) == 0) {
		if (*i + 1 >= argc)
			return false;
		*out = argv[++*i];
		return true;
	}
	if (strncmp(argv[*i], lng, len) == 0 && argv[*i][len] == '=') {
		*out = argv[*i] + len + 1;
		return true;
	}
	return false;
}

int ui_parse_target(const struct ctl_globals *g, int argc, char **argv, bool with_timeout, struct ui_target *t)
{
	const char *cmd = argv[0], *timeout = NULL;
	int words = 0;

	*t = (struct ui_target){ .ns = UI_DEFAULT_NAMESPACE, .output = g->output,
				 .timeout_ms = UI_DEFAULT_TIMEOUT_MS };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (take(argc, argv, &i, "-n", "--namespace", &t->ns) || take(argc, argv, &i, "-o", "--output", &t->output))
			continue;
		if (with_timeout && take(argc, argv, &i, NULL, "--timeout", &timeout))
			continue;
		if (a[0] == '-')
			return usage(cmd, with_timeout, "unknown or incomplete option", a);
		/* `source oci NAME` like flux; without "source" the first word is the name */
		if (!t->name && words == 0 && strcmp(a, "source") == 0) {
			words = 1;
			continue;
		}
		if (words == 1) {
			if (strcmp(a, "oci") != 0 && strcmp(a, "ocirepository") != 0)
				return usage(cmd, with_timeout, "unsupported source kind (only oci)", a);
			words = 2;
			continue;
		}
		if (t->name)
			return usage(cmd, with_timeout, "unexpected argument", a);
		t->name = a;
	}
	if (words == 1)
		return usage(cmd, with_timeout, "missing source kind (oci) and NAME", NULL);
	if (!t->name)
		return usage(cmd, with_timeout, "missing NAME", NULL);
	if (!proto_valid_name(t->name))
		return usage(cmd, with_timeout, "invalid name (lowercase RFC 1123 subdomain)", t->name);
	if (!proto_valid_namespace(t->ns))
		return usage(cmd, with_timeout, "invalid namespace (lowercase RFC 1123 label)", t->ns);
	if (!ctl_output_valid(t->output))
		return usage(cmd, with_timeout, "unknown output format", t->output);
	if (timeout && (ftime_parse_duration(timeout, true, &t->timeout_ms) < 0 || t->timeout_ms <= 0))
		return usage(cmd, with_timeout, "invalid --timeout (a duration like 5m or 90s)", timeout);
	return 0;
}
