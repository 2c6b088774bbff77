/*
 * table.h - ferryctl's human output: aligned tables like flux's CLI, and the
 * -o json / -o yaml document printers.
 *
 * Owned by ctl.
 */
#ifndef FERRY_CTL_TABLE_H
#define FERRY_CTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

struct ctl_table {
	char ***rows;       /* rows[0] is the header */
	size_t n_rows;
	size_t n_cols;
};

void ctl_table_init(struct ctl_table *t);
/* NULL-terminated list of cells. */
void ctl_table_header(struct ctl_table *t, ...);
void ctl_table_row(struct ctl_table *t, ...);
void ctl_table_print(const struct ctl_table *t, FILE *f);
void ctl_table_free(struct ctl_table *t);

bool ctl_output_valid(const char *format);        /* table | json | yaml */
/* Print j as pretty JSON or as YAML. */
void ctl_print_document(const json_t *j, const char *format, FILE *f);

#endif
