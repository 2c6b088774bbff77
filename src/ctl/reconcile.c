/* reconcile.c - `ferryctl reconcile source oci NAME [-n NS]` and the waiting
 * half of `ferryctl resume`: ask ferryd for a reconcile now and report its
 * result like `flux reconcile source oci`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl/ctl.h"
#include "ctl/table.h"
#include "ctl/ui.h"
#include "daemon/client.h"
#include "daemon/protocol.h"
#include "util/mem.h"

struct outcome {
	char *ready;
	char *reason;
	char *message;
	char *revision;
};

static void outcome_free(struct outcome *o)
{
	free(o->ready);
	free(o->reason);
	free(o->message);
	free(o->revision);
}

static int read_outcome(const struct client_reply *r, struct outcome *o)
{
	char *tok[2];

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < r->n_info; i++) {
		char *rest;

		if (proto_split(r->info[i], tok, 2, &rest) < 0)
			continue;
		if (strcmp(tok[0], "revision") == 0 && !o->revision) {
			o->revision = tok[1];
			tok[1] = NULL;
		}
		free(tok[0]);
		free(tok[1]);
		free(rest);
	}
	if (proto_split(r->final, tok, 2, &o->message) < 0)
		return -1;
	o->ready = tok[0];
	o->reason = tok[1];
	return 0;
}

static void print_document(const struct ui_target *t, const struct outcome *o, const char *error_code,
			   const char *error)
{
	json_t *j = json_pack("{s:s,s:s,s:s}", "kind", "OCIRepository", "namespace", t->ns, "name", t->name);

	if (o) {
		json_object_set_new(j, "ready", json_string(o->ready));
		json_object_set_new(j, "reason", json_string(o->reason));
		json_object_set_new(j, "message", json_string(o->message));
		if (o->revision)
			json_object_set_new(j, "revision", json_string(o->revision));
	}
	if (error) {
		json_object_set_new(j, "error", json_string(error_code));
		json_object_set_new(j, "message", json_string(error));
	}
	ctl_print_document(j, t->output, stdout);
	json_decref(j);
}

struct progress {
	bool human;
	bool reconcile;          /* else resume */
	bool announced;
};

static void announce(struct progress *p)
{
	if (p->announced || !p->human)
		return;
	p->announced = true;
	ui_success(p->reconcile ? "OCIRepository annotated" : "source resumed");
	ui_waiting("waiting for OCIRepository reconciliation");
}

static void on_info(const char *line, void *userdata)
{
	if (strcmp(line, "accepted") == 0)
		announce(userdata);
}

/* Send `verb ns/name`, wait for the reconcile it triggers, report it. */
int ctl_request_reconcile(const struct ctl_globals *g, const struct ui_target *t, const char *verb)
{
	bool human = strcmp(t->output, "table") == 0;
	struct progress p = { .human = human, .reconcile = strcmp(verb, "reconcile") == 0 };
	char *request = xasprintf("%s %s/%s", verb, t->ns, t->name);
	struct client_reply r;
	struct ferry_err e;
	struct outcome o;
	int rc;

	if (human && strcmp(verb, "reconcile") == 0) {
		ui_action("annotating OCIRepository %s in %s namespace", t->name, t->ns);
	} else if (human) {
		ui_action("resuming source oci %s in %s namespace", t->name, t->ns);
	}
	ferr_clear(&e);
	rc = client_call_cb(g->control_socket, request, t->timeout_ms, on_info, &p, &r, &e);
	free(request);
	if (rc < 0) {
		if (human)
			ui_failure("%s", e.msg);
		else
			print_document(t, NULL, e.reason, e.msg);
		return strcmp(e.reason, CLIENT_UNREACHABLE) == 0 ? CTL_EXIT_UNREACHABLE : 1;
	}
	if (!r.ok) {
		char *tok[1], *why = NULL;

		if (proto_split(r.final, tok, 1, &why) < 0) {
			tok[0] = xstrdup("error");
			why = xstrdup(r.final);
		}
		if (human)
			ui_failure("%s", why);
		else
			print_document(t, NULL, tok[0], why);
		free(tok[0]);
		free(why);
		client_reply_free(&r);
		return 1;
	}
	if (read_outcome(&r, &o) < 0) {
		ui_failure("ferryd sent an answer ferryctl does not understand: %s", r.final);
		client_reply_free(&r);
		return 1;
	}
	client_reply_free(&r);
	rc = strcmp(o.ready, "True") == 0 ? 0 : 1;
	if (!human) {
		print_document(t, &o, NULL, NULL);
	} else {
		announce(&p);
		if (rc == 0) {
			ui_success("OCIRepository reconciliation completed");
			ui_success("fetched revision %s", o.revision ? o.revision : "(none)");
		} else {
			ui_failure("%s", *o.message ? o.message : o.reason);
		}
	}
	outcome_free(&o);
	return rc;
}

int ctl_reconcile_main(const struct ctl_globals *g, int argc, char **argv)
{
	struct ui_target t;
	int rc = ui_parse_target(g, argc, argv, true, &t);

	if (rc)
		return rc;
	return ctl_request_reconcile(g, &t, "reconcile");
}
