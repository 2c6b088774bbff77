/*
 * gojson.h - JSON read the way Go's encoding/json (v1) reads it, and Go's %q
 * quoting (every notation message that quotes a value uses gj_quote).
 *
 * Owned by notation (policy, verify). Flux and notation-go decode the trust
 * policy, the signature payload and signature manifests into Go structs; to
 * accept and reject the same documents with the same texts, ferry parses with
 * Go's syntax rules and error messages ("unexpected end of JSON input",
 * "invalid character '}' after array element"), keeps every object member in
 * document order (duplicates included), and decodes with Go's rules: keys
 * match field names case-insensitively, the last occurrence wins, values merge
 * into what an earlier duplicate decoded, null leaves a value alone, and the
 * first type mismatch is reported after decoding finishes
 * ("json: cannot unmarshal number into Go struct field TrustPolicy.trustPolicies.name of type string").
 */
#ifndef FERRY_NOTATION_GOJSON_H
#define FERRY_NOTATION_GOJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gj_kind { GJ_NULL, GJ_BOOL, GJ_NUMBER, GJ_STRING, GJ_ARRAY, GJ_OBJECT };

struct gj_member;

struct gj_value {
	enum gj_kind kind;
	bool boolean;
	char *text;                   /* GJ_STRING: decoded UTF-8 (may hold NUL bytes); GJ_NUMBER: literal */
	size_t text_len;
	struct gj_value *items;       /* GJ_ARRAY */
	size_t n_items;
	struct gj_member *members;    /* GJ_OBJECT, document order, duplicates kept */
	size_t n_members;
};

struct gj_member {
	char *key;                    /* decoded, may hold NUL bytes */
	size_t key_len;
	struct gj_value value;
};

/* Parse a whole document. On a syntax error returns -1 and writes Go's
 * message to err. Nesting deeper than LIMIT_JSON_DEPTH fails with Go's
 * "exceeded max depth". */
int gj_parse(const void *data, size_t len, struct gj_value **out, char *err, size_t errlen);
void gj_free(struct gj_value *v);
/* Go's name of a JSON value kind in unmarshal errors ("string", "number", ...). */
const char *gj_kind_name(enum gj_kind k);

/* Go's field matching: exact or case-insensitive (with Go's folding of the
 * Kelvin sign and long s). field is ASCII. */
bool gj_key_is(const struct gj_member *m, const char *field);

/* Decoding state: Go reports the first type mismatch, naming the innermost
 * struct and the field path from the root. */
#define GJ_MAX_FIELD_DEPTH 8
struct gj_dec {
	char *error;                  /* first error (Go's text), NULL if none */
	const char *struct_name;      /* innermost Go struct type being filled */
	const char *fields[GJ_MAX_FIELD_DEPTH];
	int n_fields;
};
struct gj_frame {
	const char *struct_name;
	int n_fields;
};

void gj_dec_init(struct gj_dec *d);
void gj_dec_free(struct gj_dec *d);
/* Enter field `field` of the Go struct `struct_name`. */
struct gj_frame gj_enter(struct gj_dec *d, const char *struct_name, const char *field);
void gj_leave(struct gj_dec *d, struct gj_frame f);
/* Record "cannot unmarshal <kind> into ... of type <go_type>" unless an
 * earlier error exists. */
void gj_type_error(struct gj_dec *d, const struct gj_value *v, const char *go_type);
void gj_error(struct gj_dec *d, const char *msg);

/* string-kinded Go field: null keeps *dst; a string replaces it (a string
 * holding NUL bytes is refused: ferry's strings are C strings). */
void gj_string(struct gj_dec *d, const struct gj_value *v, char **dst, const char *go_type);
/* []string: null sets nil (n = 0, *is_set false); an array overwrites element
 * by element and truncates, as Go reuses the slice. */
void gj_strings(struct gj_dec *d, const struct gj_value *v, char ***dst, size_t *n, bool *is_set);
/* int64 field: a JSON number that is an integer in range. */
void gj_int64(struct gj_dec *d, const struct gj_value *v, int64_t *dst, const char *go_type);

void gj_strv_free(char **v, size_t n);

/* Go's %q of s (strconv.Quote), newly allocated. */
char *gj_quote(const char *s);
/* Append the quoted form of s to an allocated string (*acc may be NULL). */
void gj_append_quoted(char **acc, const char *s);

#endif
