/* fuzz_sep.c - the parent's check of the parser's records on any bytes: a
 * datagram it accepts must be, byte for byte, the encoding of what it
 * decoded (no byte unchecked); anything else must be refused cleanly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/sepmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[SEP_DGRAM_MAX];
	struct sep_msg m;
	size_t off = 0, off2 = 0;

	if (size > SEP_DGRAM_MAX)
		return 0;
	while (off < size) {
		if (sep_decode(data, size, &off, 4, &m) != SEP_OK)
			return 0;
		if (sep_encode(&m, again, sizeof(again), &off2) != 0)
			abort();
	}
	if (off2 != size || memcmp(again, data, size) != 0)
		abort();
	return 0;
}
