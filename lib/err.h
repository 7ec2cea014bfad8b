/* err.h - error records that carry FILE:LINE, collected rather than printed.
 *
 * lib/ never prints: every problem found in a configuration is appended to an
 * err_list, so that one run reports all of them and the caller (daemon/)
 * decides where they go.
 */
#ifndef ZG_ERR_H
#define ZG_ERR_H

#include <stddef.h>

enum err_level {
	ERR_ERROR,
	ERR_WARNING,
};

struct err_rec {
	enum err_level	level;
	char		*file;	/* may be NULL */
	int		line;	/* 0: no line */
	char		*msg;
};

struct err_list {
	struct err_rec	*rec;
	size_t		n;
	size_t		cap;
	size_t		n_errors;	/* records with level ERR_ERROR */
};

/* err_init - an empty list; no allocation until the first record. */
void err_init(struct err_list *el);

/* err_free - frees every record; the list may be reused after err_init. */
void err_free(struct err_list *el);

/* err_add - appends a formatted record; copies file. Returns 0, or -1 with
 * errno ENOMEM (the record is then lost but n_errors still counts it). */
int err_add(struct err_list *el, enum err_level level, const char *file,
	    int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* err_sort - orders records by line (stable), so output reads top down. */
void err_sort(struct err_list *el);

#endif
