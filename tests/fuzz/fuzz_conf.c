/* fuzz_conf.c - the configuration parser and validator on any bytes. */
#include <stddef.h>
#include <stdint.h>

#include "../../lib/conf.h"
#include "../../lib/ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err_list el;
	struct model *m;

	if (size > 65536)
		return 0;
	err_init(&el);
	m = conf_parse((const char *)data, size, "fuzz.conf", &el);
	if (m != NULL) {
		/* a valid model must also compile */
		struct ruleset *rs = ruleset_compile(m);

		ruleset_free(rs);
	}
	model_free(m);
	err_free(&el);
	return 0;
}
