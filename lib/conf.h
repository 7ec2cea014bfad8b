/* conf.h - zonegate.conf (libconfig syntax) to a validated model.
 *
 * Every problem is reported into an err_list as FILE:LINE plus a message that
 * says what to do; all problems of a file are found in one run. A model is
 * returned only when there is no error (warnings, such as the exceptions to
 * the isolation of a zone, may remain in the list).
 */
#ifndef ZG_CONF_H
#define ZG_CONF_H

#include <stddef.h>

#include "err.h"
#include "model.h"

#define CONF_DEFAULT_PATH	"/etc/zonegate/zonegate.conf"
#define CONF_MAX_SIZE		(256u << 20)	/* bytes */

/* conf_load - reads and validates the file at path. Returns a new model
 * (caller frees with model_free) or NULL when el holds at least one error. */
struct model *conf_load(const char *path, struct err_list *el);

/* conf_parse - as conf_load, from text of len bytes; name is used as FILE in
 * the records and as the model's path. @include is resolved relative to the
 * current directory. */
struct model *conf_parse(const char *text, size_t len, const char *name,
			 struct err_list *el);

#endif
