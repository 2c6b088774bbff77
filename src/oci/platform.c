/*
 * platform.c - the host platform in OCI terms and the choice of an image
 * index entry for it.
 *
 * uname(2) machine names map to Go's GOARCH/GOARM names as OCI uses them.
 * Selection prefers an exact variant, then an entry without a variant, then
 * (32-bit arm only) an older variant the host can run, in index order.
 */
#include "oci/manifest.h"

#include <string.h>
#include <sys/utsname.h>

#include "util/buf.h"
#include "util/mem.h"

struct machine_map {
	const char *machine;
	const char *arch;
	const char *variant;
};

static const struct machine_map machines[] = {
	{ "x86_64", "amd64", "" },
	{ "amd64", "amd64", "" },
	{ "aarch64", "arm64", "v8" },
	{ "arm64", "arm64", "v8" },
	{ "armv8l", "arm", "v7" },
	{ "armv7l", "arm", "v7" },
	{ "armv7", "arm", "v7" },
	{ "armv6l", "arm", "v6" },
	{ "armv5tel", "arm", "v5" },
	{ "i386", "386", "" },
	{ "i486", "386", "" },
	{ "i586", "386", "" },
	{ "i686", "386", "" },
	{ "riscv64", "riscv64", "" },
	{ "ppc64le", "ppc64le", "" },
	{ "ppc64", "ppc64", "" },
	{ "s390x", "s390x", "" },
	{ "mips64", "mips64", "" },
	{ "loongarch64", "loong64", "" },
};

void oci_host_platform(const char **os, const char **arch, const char **variant)
{
	static char machine[sizeof(((struct utsname *)0)->machine)];
	struct utsname u;

	*os = "linux";
	*arch = "unknown";
	*variant = "";
	if (uname(&u) < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(machines); i++) {
		if (!strcmp(u.machine, machines[i].machine)) {
			*arch = machines[i].arch;
			*variant = machines[i].variant;
			return;
		}
	}
	snprintf(machine, sizeof(machine), "%s", u.machine);
	*arch = machine;
}

/* Lower is better; -1 = not usable. */
static int variant_rank(const char *arch, const char *want, const char *have)
{
	if (!want || !*want)
		return 0;
	if (!have || !*have)
		return 1;
	if (!strcmp(want, have))
		return 0;
	/* a 32-bit arm host runs the older variants too */
	if (!strcmp(arch, "arm") && want[0] == 'v' && have[0] == 'v' && have[1] >= '5' && have[1] <= '8' &&
	    !have[2] && want[1] > have[1] && !want[2])
		return 2 + (want[1] - have[1]);
	return -1;
}

static void append_platform(struct buf *b, const struct oci_descriptor *d)
{
	if (b->len)
		buf_append_str(b, ", ");
	buf_printf(b, "%s/%s%s%s", d->platform_os, d->platform_arch,
		   d->platform_variant && *d->platform_variant ? "/" : "",
		   d->platform_variant ? d->platform_variant : "");
}

int oci_index_select(const struct oci_manifest *index, const char *os, const char *arch,
		     const char *variant, const struct oci_descriptor **out, struct ferry_err *e)
{
	const struct oci_descriptor *best = NULL;
	int best_rank = -1;
	struct buf offered = BUF_INIT(1024);
	size_t listed = 0, skipped = 0;

	*out = NULL;
	for (size_t i = 0; i < index->n_manifests; i++) {
		const struct oci_descriptor *d = &index->manifests[i];
		int rank;

		if (!d->platform_os || !d->platform_arch)
			continue;
		if (strcmp(d->platform_os, os) != 0 || strcmp(d->platform_arch, arch) != 0)
			continue;
		rank = variant_rank(arch, variant, d->platform_variant);
		if (rank < 0)
			continue;
		if (!best || rank < best_rank) {
			best = d;
			best_rank = rank;
		}
	}
	if (best) {
		*out = best;
		return 0;
	}
	for (size_t i = 0; i < index->n_manifests; i++) {
		const struct oci_descriptor *d = &index->manifests[i];

		if (!d->platform_os || !d->platform_arch)
			continue;
		if (listed < 16 && offered.len < 900) {
			append_platform(&offered, d);
			listed++;
		} else {
			skipped++;
		}
	}
	if (!listed)
		ferr_set(e, "", "no manifest for platform %s/%s%s%s in the image index: its %zu entries "
			 "name no platform", os, arch, variant && *variant ? "/" : "", variant ? variant : "",
			 index->n_manifests);
	else
		ferr_set(e, "", "no manifest for platform %s/%s%s%s in the image index; it offers: %s%s",
			 os, arch, variant && *variant ? "/" : "", variant ? variant : "", buf_cstr(&offered),
			 skipped ? ", ..." : "");
	buf_free(&offered);
	return -1;
}
