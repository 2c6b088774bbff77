/* ferryd.c - the ferry daemon entry point: options and wiring only. */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/store.h"
#include "config/config.h"
#include "daemon/once.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/timeutil.h"

#define DEFAULT_CONFIG_DIR FERRY_SYSCONFDIR "/ferry"
#define DEFAULT_STATE_DIR  FERRY_LOCALSTATEDIR "/lib/ferry"

struct options {
	const char *config_dir;
	const char *state_dir;
	bool once;
	int workers;
	int max_signatures;
	int log_level;
	enum log_format log_format;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ferryd [OPTIONS]\n"
		"Keep signed OCI artifacts deployed from Flux-style OCIRepository sources.\n\n"
		"  --config-dir DIR      configuration directory (default %s)\n"
		"  --state-dir DIR       state directory (default %s)\n"
		"  --once                reconcile every source once and exit (0: all Ready)\n"
		"  --workers N           parallel reconciles (default 2)\n"
		"  --max-signatures N    signatures tried per artifact (default %d)\n"
		"  --log-level LEVEL     error, warning, notice, info, debug (default info)\n"
		"  --log-format FORMAT   text or json (stderr only; the journal gets fields)\n"
		"  --version             print the version and exit\n"
		"  --help                show this help\n",
		DEFAULT_CONFIG_DIR, DEFAULT_STATE_DIR, LIMIT_SIGNATURES_DEFAULT);
}

static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_CONFIG = 256, OPT_STATE, OPT_ONCE, OPT_WORKERS, OPT_MAXSIG, OPT_LOGLEVEL, OPT_LOGFMT,
	       OPT_VERSION, OPT_HELP };
	static const struct option longopts[] = {
		{ "config-dir", required_argument, NULL, OPT_CONFIG },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "max-signatures", required_argument, NULL, OPT_MAXSIG },
		{ "log-level", required_argument, NULL, OPT_LOGLEVEL },
		{ "log-format", required_argument, NULL, OPT_LOGFMT },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG: o->config_dir = optarg; break;
		case OPT_STATE: o->state_dir = optarg; break;
		case OPT_ONCE: o->once = true; break;
		case OPT_WORKERS:
			if (parse_int(optarg, 1, LIMIT_WORKERS_MAX, &o->workers) < 0) {
				fprintf(stderr, "ferryd: --workers: expected 1..%d, got '%s'\n", LIMIT_WORKERS_MAX, optarg);
				return 2;
			}
			break;
		case OPT_MAXSIG:
			if (parse_int(optarg, 1, 1000, &o->max_signatures) < 0) {
				fprintf(stderr, "ferryd: --max-signatures: expected 1..1000, got '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_LOGLEVEL:
			o->log_level = log_parse_level(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "ferryd: --log-level: unknown level '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_LOGFMT:
			if (strcmp(optarg, "text") == 0)
				o->log_format = LOG_FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->log_format = LOG_FORMAT_JSON;
			else {
				fprintf(stderr, "ferryd: --log-format: expected text or json, got '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_VERSION:
			printf("ferryd %s\n", PACKAGE_VERSION);
			return 0;
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ferryd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

static void report_diags(const struct cfg_set *cfg)
{
	for (size_t i = 0; i < cfg->n_diags; i++)
		log_msg(cfg->diags[i].level == CFG_DIAG_ERROR ? LOG_ERR : LOG_WARNING, "%s",
			cfg->diags[i].message);
}

int main(int argc, char **argv)
{
	struct options o = {
		.config_dir = DEFAULT_CONFIG_DIR,
		.state_dir = DEFAULT_STATE_DIR,
		.workers = 2,
		.log_level = LOG_INFO,
		.log_format = LOG_FORMAT_TEXT,
	};
	struct cfg_set *cfg = NULL;
	struct store store;
	struct ferry_err e;
	int rc;

	rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	log_setup(LOG_TARGET_AUTO, o.log_format, o.log_level);
	if (!o.once) {
		fprintf(stderr, "ferryd: only --once is available in this build\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ferr_clear(&e);
	if (cfg_load_dir(o.config_dir, &cfg, &e) < 0) {
		log_error("%s", e.msg);
		curl_global_cleanup();
		return 1;
	}
	report_diags(cfg);
	if (store_open(o.state_dir, &store, &e) < 0) {
		log_error("%s", e.msg);
		cfg_set_free(cfg);
		curl_global_cleanup();
		return 1;
	}
	store_clean_staging(&store);
	rc = once_run(cfg, &store, &(struct once_opts){ .workers = o.workers,
							 .max_signatures = o.max_signatures });
	store_close(&store);
	cfg_set_free(cfg);
	curl_global_cleanup();
	return rc;
}
