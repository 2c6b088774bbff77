/* suspend.c - `ferryctl suspend|resume source oci NAME [-n NS]`: stop or
 * restart the scheduling of a source through ferryd (the state survives
 * restarts in status.suspended); resume waits for the reconcile it triggers. */
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

int ctl_suspend_main(const struct ctl_globals *g, int argc, char **argv)
{
	struct ui_target t;
	struct client_reply r;
	struct ferry_err e;
	bool human;
	char *request, *tok[1], *text = NULL;
	int rc = ui_parse_target(g, argc, argv, false, &t);

	if (rc)
		return rc;
	human = strcmp(t.output, "table") == 0;
	if (human)
		ui_action("suspending source oci %s in %s namespace", t.name, t.ns);
	request = xasprintf("suspend %s/%s", t.ns, t.name);
	ferr_clear(&e);
	rc = client_call(g->control_socket, request, t.timeout_ms, &r, &e);
	free(request);
	if (rc < 0) {
		ui_failure("%s", e.msg);
		return strcmp(e.reason, CLIENT_UNREACHABLE) == 0 ? CTL_EXIT_UNREACHABLE : 1;
	}
	tok[0] = NULL;
	if (r.ok)
		text = proto_unescape(r.final, strlen(r.final), false);
	else if (proto_split(r.final, tok, 1, &text) < 0)
		text = NULL;
	if (!text)
		text = xstrdup(r.final);
	if (!human) {
		json_t *j = json_pack("{s:s,s:s,s:s,s:b}", "kind", "OCIRepository", "namespace", t.ns, "name", t.name,
				      "suspended", r.ok);
		if (!r.ok) {
			json_object_set_new(j, "error", json_string(tok[0] ? tok[0] : "error"));
			json_object_set_new(j, "message", json_string(text));
		}
		ctl_print_document(j, t.output, stdout);
		json_decref(j);
	} else if (r.ok) {
		ui_success("source %s", strcmp(text, "already suspended") == 0 ? "already suspended" : "suspended");
	} else {
		ui_failure("%s", text);
	}
	rc = r.ok ? 0 : 1;
	free(tok[0]);
	free(text);
	client_reply_free(&r);
	return rc;
}

int ctl_resume_main(const struct ctl_globals *g, int argc, char **argv)
{
	struct ui_target t;
	int rc = ui_parse_target(g, argc, argv, true, &t);

	if (rc)
		return rc;
	return ctl_request_reconcile(g, &t, "resume");
}
