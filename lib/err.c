/* err.c - collected error records. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

void err_init(struct err_list *el)
{
	memset(el, 0, sizeof(*el));
}

void err_free(struct err_list *el)
{
	size_t i;

	for (i = 0; i < el->n; i++) {
		free(el->rec[i].file);
		free(el->rec[i].msg);
	}
	free(el->rec);
	memset(el, 0, sizeof(*el));
}

int err_add(struct err_list *el, enum err_level level, const char *file,
	    int line, const char *fmt, ...)
{
	struct err_rec *r;
	va_list ap;
	int len;

	if (level == ERR_ERROR)
		el->n_errors++;
	if (el->n == el->cap) {
		size_t cap = el->cap ? el->cap * 2 : 16;
		struct err_rec *nr = realloc(el->rec, cap * sizeof(*nr));

		if (nr == NULL)
			return -1;
		el->rec = nr;
		el->cap = cap;
	}
	r = &el->rec[el->n];
	memset(r, 0, sizeof(*r));
	r->level = level;
	r->line = line;
	if (file != NULL && (r->file = strdup(file)) == NULL)
		return -1;
	va_start(ap, fmt);
	len = vasprintf(&r->msg, fmt, ap);
	va_end(ap);
	if (len < 0) {
		free(r->file);
		errno = ENOMEM;
		return -1;
	}
	el->n++;
	return 0;
}

void err_sort(struct err_list *el)
{
	/* insertion sort: stable, and lists are short */
	size_t i, j;

	for (i = 1; i < el->n; i++) {
		struct err_rec t = el->rec[i];

		for (j = i; j > 0 && el->rec[j - 1].line > t.line; j--)
			el->rec[j] = el->rec[j - 1];
		el->rec[j] = t;
	}
}
