/* zonegated - the zone segmentation enforcement daemon. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "confcheck.h"
#include "../lib/conf.h"

static void usage(void)
{
	fprintf(stderr, "usage: zonegated [-fn] [-c FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = CONF_DEFAULT_PATH;
	int c, check_only = 0;
	struct model *m;

	while ((c = getopt(argc, argv, "c:fnh")) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			break;
		case 'n':
			check_only = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	m = confcheck_load(path);
	if (m == NULL)
		return 1;
	if (check_only) {
		confcheck_summary(stdout, m);
		model_free(m);
		return 0;
	}
	model_free(m);
	fprintf(stderr, "zonegated: kernel enforcement is not built yet\n");
	return 1;
}
