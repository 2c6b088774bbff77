/* jsonutil.c - bounded, duplicate-rejecting JSON parsing on jansson. */
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/mem.h"

int fjson_depth(const json_t *j)
{
	int max = 0;

	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)j, k, v) {
			int d = fjson_depth(v);
			if (d > max)
				max = d;
			if (max > LIMIT_JSON_DEPTH)
				break;
		}
		return max + 1;
	}
	if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) {
			int d = fjson_depth(v);
			if (d > max)
				max = d;
			if (max > LIMIT_JSON_DEPTH)
				break;
		}
		return max + 1;
	}
	return 0;
}

static json_t *parse(const void *data, size_t len, size_t flags, const char *what, struct ferry_err *e)
{
	json_error_t jerr;
	json_t *j = json_loadb(data, len, flags | JSON_DECODE_ANY, &jerr);

	if (!j) {
		if (e)
			ferr_set(e, e->reason[0] ? e->reason : "", "%s: %s at line %d column %d", what,
				 jerr.text, jerr.line, jerr.column);
		return NULL;
	}
	if (fjson_depth(j) > LIMIT_JSON_DEPTH) {
		json_decref(j);
		if (e)
			ferr_set(e, e->reason[0] ? e->reason : "", "%s: nesting deeper than %d levels", what,
				 LIMIT_JSON_DEPTH);
		return NULL;
	}
	return j;
}

json_t *fjson_parse(const void *data, size_t len, const char *what, struct ferry_err *e)
{
	return parse(data, len, JSON_REJECT_DUPLICATES, what, e);
}

json_t *fjson_parse_lax(const void *data, size_t len, const char *what, struct ferry_err *e)
{
	return parse(data, len, 0, what, e);
}

const char *fjson_str(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int fjson_uint(const json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

json_t *fjson_obj(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_object(v) ? v : NULL;
}

json_t *fjson_arr(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_array(v) ? v : NULL;
}

void fjson_set_str(json_t *obj, const char *key, const char *value)
{
	if (value)
		json_object_set_new(obj, key, json_string(value));
}

char *fjson_dump(const json_t *j, bool pretty)
{
	char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_SORT_KEYS | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
	if (!s)
		s = xstrdup("null");
	return s;
}
