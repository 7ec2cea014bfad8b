/* replay.c - runs a fuzz target's LLVMFuzzerTestOneInput on files, for
 * `make check` (every corpus input and every crash found is replayed by the
 * normal build) without libFuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long len;

		if (f == NULL) {
			perror(argv[i]);
			return 2;
		}
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc(len > 0 ? (size_t)len : 1);
		if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			return 2;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		n++;
	}
	printf("replayed %d inputs\n", n);
	return 0;
}
