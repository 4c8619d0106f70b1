/* test_evidence.c — the -w session buffers (ui/evidence.c): what is kept of
 * a long session before its alert (first frames, latest frames, byte cap),
 * eviction under the budget, no frame written twice, file names per host
 * and UTC day, memory given back.  Files are read back with libpcap. */
#include "config.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture/evidence.h"
#include "decode/smtp_session.h"
#include "decode/mem.h"
#include "check.h"

#define SEC(x) ((int64_t)(x) * 1000000)
#define T0 SEC(1795143600) /* 2026-11-20 03:00:00 UTC */

static char dir[64];

static struct smtp_session session(uint64_t id, const char *client, const char *server)
{
	struct smtp_session s;
	memset(&s, 0, sizeof s);
	s.id = id;
	addr_parse(client, &s.client);
	addr_parse(server, &s.server);
	return s;
}

/* A frame whose first 4 bytes number it. */
static void feed(struct evidence *ev, const struct smtp_session *s, uint32_t from, uint32_t to,
		 uint32_t size)
{
	static uint8_t buf[65536];
	for (uint32_t i = from; i < to; i++) {
		memcpy(buf, &i, sizeof i);
		evidence_packet(ev, s->id, T0 + i, buf, size, size);
	}
}

/* The frame numbers in DIR/name, in file order; returns how many. */
static size_t numbers(const char *name, uint32_t *out, size_t max)
{
	char path[256], err[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	pcap_t *p = pcap_open_offline(path, err);
	if (!p)
		return 0;
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t n = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		if (n < max)
			memcpy(&out[n], d, sizeof out[n]);
		n++;
	}
	pcap_close(p);
	return n;
}

static struct evidence *open_ev(size_t budget)
{
	struct evidence_config c = { .dir = dir, .linktype = DLT_EN10MB, .snaplen = 65535,
				     .budget = budget };
	char err[256];
	struct evidence *ev = evidence_open(&c, err, sizeof err);
	CHECK(ev != NULL);
	return ev;
}

static void test_head_and_tail(void)
{
	struct evidence *ev = open_ev(64u << 20);
	struct smtp_session s = session(1, "192.0.2.10", "198.51.100.20");
	feed(ev, &s, 0, 1000, 100);
	evidence_alert(ev, 1, "198.51.100.20", T0 + SEC(1));
	static uint32_t got[4096];
	size_t n = numbers("198.51.100.20-20261120.pcap", got, 4096);
	CHECK_EQ_INT(n, EV_HEAD_FRAMES + EV_TAIL_FRAMES);
	CHECK_EQ_INT(got[0], 0);
	CHECK_EQ_INT(got[EV_HEAD_FRAMES - 1], EV_HEAD_FRAMES - 1);
	CHECK_EQ_INT(got[EV_HEAD_FRAMES], 1000 - EV_TAIL_FRAMES);
	CHECK_EQ_INT(got[n - 1], 999);
	/* after the alert, frames go straight to the file; a second alert
	 * (another rule) writes nothing again */
	feed(ev, &s, 1000, 1010, 100);
	evidence_alert(ev, 1, "198.51.100.20", T0 + SEC(2));
	evidence_session_end(ev, 1);
	n = numbers("198.51.100.20-20261120.pcap", got, 4096);
	CHECK_EQ_INT(n, EV_HEAD_FRAMES + EV_TAIL_FRAMES + 10);
	CHECK_EQ_INT(got[n - 1], 1009);
	struct evidence_stats st;
	evidence_get_stats(ev, &st);
	CHECK_EQ_INT(st.sessions_flagged, 1);
	CHECK_EQ_INT(st.packets_written, n);
	CHECK_EQ_INT(st.packets_not_kept, 1000 - EV_HEAD_FRAMES - EV_TAIL_FRAMES);
	CHECK_EQ_INT(st.files, 1);
	CHECK(evidence_close(ev));
}

static void test_byte_cap(void)
{
	struct evidence *ev = open_ev(64u << 20);
	struct smtp_session s = session(2, "192.0.2.10", "198.51.100.21");
	feed(ev, &s, 0, 400, 9000);
	evidence_alert(ev, 2, NULL, T0); /* no host named: a file of its own */
	static uint32_t got[4096];
	size_t n = numbers("unknown-host-20261120.pcap", got, 4096);
	CHECK(n > EV_HEAD_FRAMES && n < EV_HEAD_FRAMES + EV_TAIL_FRAMES);
	CHECK(n * 9000 <= EV_SESSION_BYTES);
	CHECK_EQ_INT(got[0], 0);
	CHECK_EQ_INT(got[n - 1], 399);
	CHECK(got[n - 2] == 398);
	CHECK(evidence_close(ev));
}

static void test_budget(void)
{
	struct evidence *ev = open_ev(0); /* the floor: two full session buffers */
	size_t empty = evidence_memory(ev);
	struct smtp_session s[5];
	char host[32];
	for (int i = 0; i < 5; i++) {
		snprintf(host, sizeof host, "203.0.113.%d", i + 1);
		s[i] = session(10 + (uint64_t)i, "192.0.2.10", host);
		feed(ev, &s[i], 0, 100, 9000); /* 900 KB each */
	}
	struct evidence_stats st;
	evidence_get_stats(ev, &st);
	CHECK(st.buffers_evicted >= 3);
	/* within the floor, and the high-water mark saw the buffers */
	CHECK(evidence_memory(ev) <= empty + 2 * EV_SESSION_BYTES + 5 * 1024);
	CHECK(evidence_memory_peak(ev) > empty + EV_SESSION_BYTES);
	/* the newest session kept all it could, the oldest lost its buffer */
	evidence_alert(ev, 14, "203.0.113.5", T0);
	evidence_alert(ev, 10, "203.0.113.1", T0);
	static uint32_t got[4096];
	CHECK(numbers("203.0.113.5-20261120.pcap", got, 4096) > 90);
	CHECK_EQ_INT(numbers("203.0.113.1-20261120.pcap", got, 4096), 0);
	evidence_get_stats(ev, &st);
	CHECK(st.packets_not_kept >= 100);
	/* an unflagged session's buffer is given back when it ends */
	size_t mid = evidence_memory(ev);
	evidence_session_end(ev, 13);
	CHECK(evidence_memory(ev) < mid);
	CHECK(evidence_close(ev));
}

static void test_names(void)
{
	struct evidence *ev = open_ev(64u << 20);
	struct smtp_session s = session(20, "2001:db8::10", "2001:db8:1::25");
	feed(ev, &s, 0, 3, 80);
	evidence_alert(ev, 20, "2001:db8:1::25", T0 + SEC(86400)); /* the next UTC day */
	feed(ev, &s, 3, 5, 80);
	evidence_flush(ev); /* frames after the alert sit in stdio until a flush */
	static uint32_t got[16];
	CHECK_EQ_INT(numbers("2001_db8_1__25-20261121.pcap", got, 16), 5);
	/* an alert for a session never seen, or none, does nothing */
	evidence_alert(ev, 999, "198.51.100.1", T0);
	evidence_alert(ev, 0, "198.51.100.1", T0);
	CHECK_EQ_INT(numbers("198.51.100.1-20261120.pcap", got, 16), 0);
	CHECK(evidence_close(ev));
}

static void test_bad_dir(void)
{
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/198.51.100.20-20261120.pcap", dir); /* a file */
	struct evidence_config c = { .dir = path, .linktype = DLT_EN10MB, .snaplen = 65535 };
	CHECK(evidence_open(&c, err, sizeof err) == NULL);
	CHECK(strstr(err, "not a directory") != NULL);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_evidence.XXXXXX");
	if (!mkdtemp(dir))
		return 99;
	test_head_and_tail();
	test_byte_cap();
	test_budget();
	test_names();
	test_bad_dir();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	CHECK_DONE();
}
