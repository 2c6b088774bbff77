/* table.c - aligned tables and JSON/YAML document output for ferryctl. */
#include "ctl/table.h"

#include <stdarg.h>
#include <string.h>

#include <yaml.h>

#include "util/jsonutil.h"
#include "util/mem.h"

void ctl_table_init(struct ctl_table *t)
{
	memset(t, 0, sizeof(*t));
}

static void add_row(struct ctl_table *t, va_list ap)
{
	const char *cell;
	char **row = NULL;
	size_t n = 0;

	while ((cell = va_arg(ap, const char *))) {
		row = xrealloc(row, (n + 2) * sizeof(char *));
		/* one line per cell: multi-line messages are joined */
		row[n] = xstrdup(cell);
		for (char *p = row[n]; *p; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		n++;
	}
	row = xrealloc(row, (n + 1) * sizeof(char *));
	row[n] = NULL;
	if (n > t->n_cols)
		t->n_cols = n;
	t->rows = xrealloc(t->rows, (t->n_rows + 1) * sizeof(char **));
	t->rows[t->n_rows++] = row;
}

void ctl_table_header(struct ctl_table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	add_row(t, ap);
	va_end(ap);
}

void ctl_table_row(struct ctl_table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	add_row(t, ap);
	va_end(ap);
}

void ctl_table_print(const struct ctl_table *t, FILE *f)
{
	size_t *w = xcalloc(t->n_cols ? t->n_cols : 1, sizeof(size_t));

	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; t->rows[r][c]; c++)
			if (strlen(t->rows[r][c]) > w[c])
				w[c] = strlen(t->rows[r][c]);
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; t->rows[r][c]; c++) {
			bool last = !t->rows[r][c + 1];
			fputs(t->rows[r][c], f);
			if (!last)
				fprintf(f, "%*s", (int)(w[c] - strlen(t->rows[r][c]) + 3), "");
		}
		fputc('\n', f);
	}
	free(w);
}

void ctl_table_free(struct ctl_table *t)
{
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; t->rows[r][c]; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

bool ctl_output_valid(const char *format)
{
	return format && (strcmp(format, "table") == 0 || strcmp(format, "json") == 0 ||
			  strcmp(format, "yaml") == 0);
}

static int emit_scalar(yaml_emitter_t *em, const char *s, bool plain_ok)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), plain_ok, !plain_ok,
				     YAML_ANY_SCALAR_STYLE);
	return yaml_emitter_emit(em, &ev);
}

static int emit_json(yaml_emitter_t *em, const json_t *j)
{
	yaml_event_t ev;
	char num[64];

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *v;
		void *it;
		const char **keys;
		size_t n = 0, cap = json_object_size(j);

		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		keys = xcalloc(cap ? cap : 1, sizeof(char *));
		for (it = json_object_iter((json_t *)j); it; it = json_object_iter_next((json_t *)j, it))
			keys[n++] = json_object_iter_key(it);
		for (size_t i = 0; i < n; i++)
			for (size_t m = i + 1; m < n; m++)
				if (strcmp(keys[m], keys[i]) < 0) {
					const char *tmp = keys[i];
					keys[i] = keys[m];
					keys[m] = tmp;
				}
		for (size_t i = 0; i < n; i++) {
			k = keys[i];
			v = json_object_get(j, k);
			if (!emit_scalar(em, k, true) || !emit_json(em, v)) {
				free(keys);
				return 0;
			}
		}
		free(keys);
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;

		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		json_array_foreach(j, i, v)
			if (!emit_json(em, v))
				return 0;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	}
	case JSON_STRING:
		return emit_scalar(em, json_string_value(j), false);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return emit_scalar(em, num, true);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(j));
		return emit_scalar(em, num, true);
	case JSON_TRUE:
		return emit_scalar(em, "true", true);
	case JSON_FALSE:
		return emit_scalar(em, "false", true);
	default:
		return emit_scalar(em, "null", true);
	}
}

void ctl_print_document(const json_t *j, const char *format, FILE *f)
{
	yaml_emitter_t em;
	yaml_event_t ev;

	if (strcmp(format, "json") == 0) {
		char *s = fjson_dump(j, true);
		fprintf(f, "%s\n", s);
		free(s);
		return;
	}
	yaml_emitter_initialize(&em);
	yaml_emitter_set_output_file(&em, f);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	yaml_emitter_emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	yaml_emitter_emit(&em, &ev);
	emit_json(&em, j);
	yaml_document_end_event_initialize(&ev, 1);
	yaml_emitter_emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	yaml_emitter_emit(&em, &ev);
	yaml_emitter_delete(&em);
}
