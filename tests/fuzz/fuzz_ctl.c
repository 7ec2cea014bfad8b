/* fuzz_ctl.c - the control socket's request parser on any bytes. */
#include <stddef.h>
#include <stdint.h>

#include "../../lib/ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_req req;
	char err[128];

	ctl_parse((const char *)data, size, &req, err, sizeof(err));
	return 0;
}
