/*
 * check.c - `ferryctl check [--config-dir DIR]`: read the config directory as
 * ferryd would, without touching the network, and say whether it is valid.
 *
 * Every diagnostic goes to stderr ("error: " / "warning: " + FILE:LINE:COL:
 * message); stdout gets one summary line, "N sources, M secrets: valid" or
 * "N sources, M secrets: K errors". Beyond what the loader reports, a secret
 * reference (spec.secretRef, certSecretRef, proxySecretRef,
 * verify.secretRef) naming no Secret of the source's namespace is an error.
 * Exit status: 0 valid, 1 invalid or unreadable, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "ctl/ctl.h"
#include "util/err.h"
#include "util/mem.h"

#define DEFAULT_CONFIG_DIR "/etc/ferry"

static void usage(FILE *out)
{
	fprintf(out, "Usage: ferryctl check [--config-dir DIR]\n"
		     "\n"
		     "Validate the OCIRepository and Secret files under DIR (default %s) without\n"
		     "contacting any registry. Problems are printed to stderr, a summary to stdout.\n"
		     "Exit status: 0 valid, 1 invalid, 2 usage error.\n",
		     DEFAULT_CONFIG_DIR);
}

static bool rejected(const struct cfg_set *set, const char *ns, const char *name)
{
	_cleanup_free_ char *id = xasprintf("%s/%s", ns, name);

	for (size_t i = 0; i < set->n_rejected_secrets; i++)
		if (!strcmp(set->rejected_secrets[i], id))
			return true;
	return false;
}

static size_t check_ref(const struct cfg_set *set, const struct cfg_source *src, const char *field,
			const char *name, const struct cfg_loc *loc)
{
	if (!name || cfg_find_secret(set, src->ns, name))
		return 0;
	fprintf(stderr, "error: %s:%d:%d: %s: Secret %s/%s %s\n", loc->file, loc->line, loc->column, field, src->ns,
		name, rejected(set, src->ns, name) ? "has errors and was not loaded" : "not found");
	return 1;
}

static size_t check_refs(const struct cfg_set *set)
{
	size_t errors = 0;

	for (size_t i = 0; i < set->n_sources; i++) {
		const struct cfg_source *s = set->sources[i];

		errors += check_ref(set, s, "spec.secretRef", s->secret_ref, &s->secret_ref_loc);
		errors += check_ref(set, s, "spec.certSecretRef", s->cert_secret_ref, &s->cert_secret_ref_loc);
		errors += check_ref(set, s, "spec.proxySecretRef", s->proxy_secret_ref, &s->proxy_secret_ref_loc);
		errors += check_ref(set, s, "spec.verify.secretRef", s->verify_secret_ref, &s->verify_secret_ref_loc);
	}
	return errors;
}

int ctl_check_main(const struct ctl_globals *g, int argc, char **argv)
{
	const char *dir = g && g->config_dir ? g->config_dir : DEFAULT_CONFIG_DIR;
	struct cfg_set *set = NULL;
	struct ferry_err e;
	size_t errors;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config-dir")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "ferryctl check: --config-dir needs a directory\n");
				usage(stderr);
				return 2;
			}
			dir = argv[++i];
		} else if (str_has_prefix(argv[i], "--config-dir=")) {
			dir = argv[i] + strlen("--config-dir=");
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ferryctl check: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!*dir) {
		fprintf(stderr, "ferryctl check: --config-dir needs a directory\n");
		return 2;
	}

	ferr_clear(&e);
	if (cfg_load_dir(dir, &set, &e) < 0) {
		fprintf(stderr, "error: %s\n", e.msg);
		return 1;
	}
	for (size_t i = 0; i < set->n_diags; i++)
		fprintf(stderr, "%s: %s\n", set->diags[i].level == CFG_DIAG_ERROR ? "error" : "warning",
			set->diags[i].message);
	errors = set->n_errors + check_refs(set);
	if (errors)
		printf("%zu sources, %zu secrets: %zu errors\n", set->n_sources, set->n_secrets, errors);
	else
		printf("%zu sources, %zu secrets: valid\n", set->n_sources, set->n_secrets);
	fflush(stdout);
	cfg_set_free(set);
	return errors ? 1 : 0;
}
