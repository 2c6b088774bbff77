/* ferryctl.c - the ferry command-line tool: global options, then one subcommand. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

#define DEFAULT_CONFIG_DIR FERRY_SYSCONFDIR "/ferry"
#define DEFAULT_STATE_DIR  FERRY_LOCALSTATEDIR "/lib/ferry"
#define DEFAULT_SOCKET     FERRY_RUNSTATEDIR "/ferry/ferryd.sock"

struct subcommand {
	const char *name;
	int (*main)(const struct ctl_globals *g, int argc, char **argv);
	const char *help;
};

static const struct subcommand SUBCOMMANDS[] = {
	{ "get", ctl_get_main, "list sources and their readiness (from status files)" },
	{ "describe", ctl_describe_main, "show one source: spec, conditions, artifact, recent events" },
	{ "reconcile", ctl_reconcile_main, "reconcile a source now and wait for the result (needs ferryd)" },
	{ "suspend", ctl_suspend_main, "stop reconciling a source, across restarts (needs ferryd)" },
	{ "resume", ctl_resume_main, "resume a suspended source and wait for its reconcile (needs ferryd)" },
	{ "check", ctl_check_main, "validate the configuration without touching the network" },
	{ "verify", ctl_verify_main, "verify an artifact's Notary Project signature with a trust-bundle Secret" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: ferryctl [--state-dir DIR] [--config-dir DIR] [--control-socket PATH] "
		   "COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(SUBCOMMANDS) / sizeof(SUBCOMMANDS[0]); i++)
		fprintf(f, "  %-10s %s\n", SUBCOMMANDS[i].name, SUBCOMMANDS[i].help);
	fprintf(f, "\nExit codes: 0 success, 1 failure or not ready, 2 usage error, 3 ferryd unreachable.\n");
}

static int take_value(int argc, char **argv, int *i, const char *opt, const char **out)
{
	size_t len = strlen(opt);

	if (strcmp(argv[*i], opt) == 0) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "ferryctl: %s needs a value\n", opt);
			return -1;
		}
		*out = argv[++*i];
		return 1;
	}
	if (strncmp(argv[*i], opt, len) == 0 && argv[*i][len] == '=') {
		*out = argv[*i] + len + 1;
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl_globals g = {
		.state_dir = DEFAULT_STATE_DIR,
		.config_dir = DEFAULT_CONFIG_DIR,
		.control_socket = DEFAULT_SOCKET,
		.output = "table",
	};
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		int r;
		if (strcmp(argv[i], "--version") == 0) {
			printf("ferryctl %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if ((r = take_value(argc, argv, &i, "--state-dir", &g.state_dir)) ||
		    (r = take_value(argc, argv, &i, "--config-dir", &g.config_dir)) ||
		    (r = take_value(argc, argv, &i, "--control-socket", &g.control_socket)) ||
		    (r = take_value(argc, argv, &i, "-o", &g.output)) ||
		    (r = take_value(argc, argv, &i, "--output", &g.output))) {
			if (r < 0)
				return 2;
			continue;
		}
		fprintf(stderr, "ferryctl: unknown option '%s'\n", argv[i]);
		usage(stderr);
		return 2;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t k = 0; k < sizeof(SUBCOMMANDS) / sizeof(SUBCOMMANDS[0]); k++)
		if (strcmp(argv[i], SUBCOMMANDS[k].name) == 0)
			return SUBCOMMANDS[k].main(&g, argc - i, argv + i);
	fprintf(stderr, "ferryctl: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
