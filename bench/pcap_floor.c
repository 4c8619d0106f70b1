/* pcap_floor.c — the floor of the benchmark: libpcap reading a savefile with
 * pcap_dispatch and a callback that only counts.  Nothing that reads the
 * same file through libpcap can be faster.
 *
 *   pcap_floor [-b] FILE   prints "packets bytes" (captured bytes) on stdout
 *
 * -b: open the file with fopen and a 1 MiB stdio buffer (pcap_fopen_offline)
 * instead of pcap_open_offline, whose stdio buffer is st_blksize (4 KiB):
 * the same loop with 1 read(2) per MiB instead of 256.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <pcap/pcap.h>
#include <stdio.h>

struct count {
	uint64_t packets, bytes;
};

static void cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct count *c = (struct count *)user;
	(void)data;
	c->packets++;
	c->bytes += h->caplen;
}

int main(int argc, char **argv)
{
	bool big = argc == 3 && strcmp(argv[1], "-b") == 0;
	if (argc != 2 && !big) {
		fprintf(stderr, "usage: pcap_floor [-b] FILE\n");
		return 1;
	}
	const char *path = argv[argc - 1];
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	static char iobuf[1 << 20];
	if (big) {
		FILE *fp = fopen(path, "rb");
		if (!fp) {
			fprintf(stderr, "pcap_floor: %s: %s\n", path, strerror(errno));
			return 2;
		}
		setvbuf(fp, iobuf, _IOFBF, sizeof iobuf);
		p = pcap_fopen_offline(fp, err);
	} else {
		p = pcap_open_offline(path, err);
	}
	if (!p) {
		fprintf(stderr, "pcap_floor: %s\n", err);
		return 2;
	}
	struct count c = { 0, 0 };
	int n;
	while ((n = pcap_dispatch(p, -1, cb, (u_char *)&c)) > 0)
		;
	if (n == PCAP_ERROR) {
		fprintf(stderr, "pcap_floor: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 2;
	}
	pcap_close(p);
	printf("%" PRIu64 " %" PRIu64 "\n", c.packets, c.bytes);
	return 0;
}
