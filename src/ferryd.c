/* ferryd.c - the ferry daemon entry point: options and wiring only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/store.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "daemon/once.h"
#include "daemon/scheduler.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/timeutil.h"

#define DEFAULT_CONFIG_DIR FERRY_SYSCONFDIR "/ferry"
#define DEFAULT_STATE_DIR  FERRY_LOCALSTATEDIR "/lib/ferry"
#define DEFAULT_SOCKET     FERRY_RUNSTATEDIR "/ferry/ferryd.sock"
#define DEFAULT_ORPHAN_RETENTION_MS (24LL * 3600 * 1000)

struct options {
	const char *config_dir;
	const char *state_dir;
	const char *control_socket;
	const char *metrics_file;
	int64_t orphan_retention_ms;
	int64_t startup_spread_ms;
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
		"  --control-socket PATH socket for ferryctl reconcile/suspend/resume\n"
		"                        (default %s; empty: none)\n"
		"  --metrics-file PATH   write Prometheus metrics there after every reconcile\n"
		"  --orphan-retention D  keep artifacts of removed sources this long (default 24h)\n"
		"  --startup-spread D    spread first checks over [0, min(interval, D)] (default 30s)\n"
		"  --workers N           parallel reconciles (default 2)\n"
		"  --max-signatures N    signatures tried per artifact (default %d)\n"
		"  --log-level LEVEL     error, warning, notice, info, debug (default info)\n"
		"  --log-format FORMAT   text or json (stderr only; the journal gets fields)\n"
		"  --version             print the version and exit\n"
		"  --help                show this help\n"
		"\nSignals: SIGHUP reloads the configuration, SIGTERM/SIGINT stop (running\n"
		"reconciles get %ds to finish).\n",
		DEFAULT_CONFIG_DIR, DEFAULT_STATE_DIR, DEFAULT_SOCKET, LIMIT_SIGNATURES_DEFAULT,
		LIMIT_STOP_GRACE_MS / 1000);
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
	       OPT_VERSION, OPT_HELP, OPT_SOCKET, OPT_METRICS, OPT_ORPHAN, OPT_SPREAD };
	static const struct option longopts[] = {
		{ "config-dir", required_argument, NULL, OPT_CONFIG },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "control-socket", required_argument, NULL, OPT_SOCKET },
		{ "metrics-file", required_argument, NULL, OPT_METRICS },
		{ "orphan-retention", required_argument, NULL, OPT_ORPHAN },
		{ "startup-spread", required_argument, NULL, OPT_SPREAD },
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
		case OPT_SOCKET: o->control_socket = optarg; break;
		case OPT_METRICS: o->metrics_file = optarg; break;
		case OPT_ORPHAN:
			if (ftime_parse_duration(optarg, true, &o->orphan_retention_ms) < 0) {
				fprintf(stderr, "ferryd: --orphan-retention: expected a duration like 24h or 90m, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case OPT_SPREAD:
			if (ftime_parse_duration(optarg, true, &o->startup_spread_ms) < 0) {
				fprintf(stderr, "ferryd: --startup-spread: expected a duration like 30s, got '%s'\n", optarg);
				return 2;
			}
			break;
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

int main(int argc, char **argv)
{
	struct options o = {
		.config_dir = DEFAULT_CONFIG_DIR,
		.state_dir = DEFAULT_STATE_DIR,
		.control_socket = DEFAULT_SOCKET,
		.orphan_retention_ms = DEFAULT_ORPHAN_RETENTION_MS,
		.startup_spread_ms = SCHED_STARTUP_SPREAD_MS,
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
		return daemon_run(&(struct daemon_opts){
			.config_dir = o.config_dir, .state_dir = o.state_dir, .control_socket = o.control_socket,
			.metrics_file = o.metrics_file, .workers = o.workers, .max_signatures = o.max_signatures,
			.orphan_retention_ms = o.orphan_retention_ms, .startup_spread_ms = o.startup_spread_ms });
	}
	ferr_clear(&e);
	if (cfg_load_dir(o.config_dir, &cfg, &e) < 0) {
		log_error("%s", e.msg);
		return 1;
	}
	cfg_log_diags(cfg);
	if (store_open(o.state_dir, &store, &e) < 0) {
		log_error("%s", e.msg);
		cfg_set_free(cfg);
		return 1;
	}
	store_clean_staging(&store);
	rc = once_run(cfg, &store, &(struct once_opts){ .workers = o.workers,
							 .max_signatures = o.max_signatures });
	store_close(&store);
	cfg_set_free(cfg);
	return rc;
}
