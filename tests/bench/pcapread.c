/* pcapread.c - the bare libpcap read loop: every packet of the files read
 * and its length summed, nothing classified. The limit the audit is
 * measured against. */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	unsigned long long n = 0, bytes = 0;
	struct pcap_pkthdr *h;
	const u_char *d;
	int i;

	for (i = 1; i < argc; i++) {
		pcap_t *p = pcap_open_offline(argv[i], err);

		if (p == NULL) {
			fprintf(stderr, "pcapread: %s\n", err);
			return 2;
		}
		while (pcap_next_ex(p, &h, &d) == 1) {
			n++;
			bytes += h->len + d[0];
		}
		pcap_close(p);
	}
	printf("%llu packets, %llu bytes\n", n, bytes);
	return 0;
}
