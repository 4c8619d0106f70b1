/* dpi.c — the nDPI adapter: every call into libndpi is in this file.
 *
 * Written against Debian's nDPI 4.2.  Where later releases changed the API,
 * configure probes the headers (configure.ac, "nDPI API probes") and the
 * NDPI_* macros below pick the call; there is no version test.
 */
#include "config.h"

#include "decode/dpi.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "decode/mem.h"

/* --- API differences between nDPI releases (configure probes) ------------- */

#if HAVE_NDPI_INIT_PREFS
#define NDPI_INIT() ndpi_init_detection_module(ndpi_no_prefs)
#else /* later releases: a global context, NULL for none */
#define NDPI_INIT() ndpi_init_detection_module(NULL)
#endif

#if HAVE_NDPI_PROTOCOL_PROTO /* later releases: ndpi_protocol.proto.{master,app}_protocol */
#define NDPI_MASTER(p) ((p).proto.master_protocol)
#define NDPI_APP(p) ((p).proto.app_protocol)
#else
#define NDPI_MASTER(p) ((p).master_protocol)
#define NDPI_APP(p) ((p).app_protocol)
#endif

#if HAVE_NDPI_GIVEUP_ENABLE_GUESS /* 4.2: guessing is a parameter; later releases dropped it */
#define NDPI_GIVEUP(m, f, g) ndpi_detection_giveup((m), (f), 1, (g))
#else
#define NDPI_GIVEUP(m, f, g) ndpi_detection_giveup((m), (f), (g))
#endif

/* --- nDPI's memory, charged to mem_acct --------------------------------------
 * nDPI allocates through hooks; each block carries its size so that the free
 * hook can release what was charged.  The detection module (allocated in
 * dpi_new) is a fixed cost like the program text and is not charged: only
 * what grows with the traffic is, i.e. everything after dpi_new. */

union blk {
	struct {
		size_t size;
		bool charged;
	} h;
	max_align_t align; /* the caller's block stays suitably aligned */
};

static bool charging;

static void *blk_alloc(size_t n)
{
	/* nDPI's own allocations while a flow is classified are charged; its
	 * start-up tables are not (they do not grow with the input) */
	union blk *b = charging ? mem_alloc(sizeof *b + n) : xmalloc(sizeof *b + n);
	b->h.size = n;
	b->h.charged = charging;
	return b + 1;
}

static void blk_free(void *p)
{
	if (!p)
		return;
	union blk *b = (union blk *)p - 1;
	if (b->h.charged)
		mem_free(b, sizeof *b + b->h.size);
	else
		free(b);
}

/* --- module ------------------------------------------------------------------ */

struct dpi {
	struct ndpi_detection_module_struct *mod;
	size_t flow_size;
	const ndpi_proto_defaults_t *defaults; /* nDPI's protocol table, nprotos entries */
	unsigned nprotos;
};

struct dpi_flow {
	struct ndpi_flow_struct *nf;
	ndpi_protocol proto;   /* the latest answer of ndpi_detection_process_packet */
	size_t charged;        /* bytes charged to mem_acct for this struct and nf */
	uint16_t fed;          /* packets fed */
	bool final;            /* feed no more */
	bool detected;         /* by content (not by port or address alone) */
};

struct dpi *dpi_new(char *err, size_t errlen)
{
	set_ndpi_malloc(blk_alloc);
	set_ndpi_free(blk_free);
	set_ndpi_flow_malloc(blk_alloc);
	set_ndpi_flow_free(blk_free);
	charging = false;
	struct ndpi_detection_module_struct *mod = NDPI_INIT();
	if (!mod) {
		snprintf(err, errlen, "nDPI: cannot initialise the detection module");
		return NULL;
	}
#if HAVE_DECL_NDPI_SET_PROTOCOL_DETECTION_BITMASK2 /* gone later: all on by default */
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(mod, &all);
#endif
	ndpi_finalize_initialization(mod);
	charging = true;
	struct dpi *d = xcalloc(1, sizeof *d);
	d->mod = mod;
	d->flow_size = ndpi_detection_get_sizeof_ndpi_flow_struct();
	d->defaults = ndpi_get_proto_defaults(mod);
	d->nprotos = ndpi_get_num_supported_protocols(mod);
	return d;
}

void dpi_free(struct dpi *d)
{
	if (!d)
		return;
	ndpi_exit_detection_module(d->mod);
	free(d);
}

/* --- flows ---------------------------------------------------------------------- */

struct dpi_flow *dpi_flow_new(struct dpi *d)
{
	size_t need = sizeof(struct dpi_flow) + d->flow_size;
	if (mem_would_exceed(need))
		return NULL;
	struct dpi_flow *f = xcalloc(1, sizeof *f);
	f->nf = xcalloc(1, d->flow_size);
	f->charged = need;
	mem_charge(need);
	return f;
}

void dpi_flow_free(struct dpi_flow *f)
{
	if (!f)
		return;
	ndpi_free_flow_data(f->nf); /* what the dissectors allocated (blk_free) */
	free(f->nf);
	mem_release(f->charged);
	free(f);
}

static bool by_content(const struct ndpi_flow_struct *nf, ndpi_protocol p)
{
	if (NDPI_MASTER(p) == NDPI_PROTOCOL_UNKNOWN && NDPI_APP(p) == NDPI_PROTOCOL_UNKNOWN)
		return false;
#if HAVE_STRUCT_NDPI_FLOW_STRUCT_CONFIDENCE
	/* an address range (e.g. a cloud provider's) names the peer, not the
	 * protocol: it must not decide that a flow is not SMTP */
	return nf->confidence != NDPI_CONFIDENCE_UNKNOWN &&
	       nf->confidence != NDPI_CONFIDENCE_MATCH_BY_PORT &&
	       nf->confidence != NDPI_CONFIDENCE_MATCH_BY_IP;
#else
	(void)nf;
	return true;
#endif
}

bool dpi_feed(struct dpi *d, struct dpi_flow *f, const uint8_t *l3, uint32_t l3_len,
	      int64_t ts_us, bool from_client)
{
	if (f->final)
		return true;
	/* nDPI takes an unsigned short length: a GRO super-frame is skipped */
	if (l3_len > 0 && l3_len <= 0xffff) {
		uint64_t ms = ts_us > 0 ? (uint64_t)ts_us / 1000 : 0;
#if HAVE_NDPI_FLOW_INPUT_INFO /* later releases: the caller may say the direction */
		struct ndpi_flow_input_info in = {
			.in_pkt_dir = from_client ? NDPI_IN_PKT_DIR_C_TO_S : NDPI_IN_PKT_DIR_S_TO_C,
			.seen_flow_beginning = NDPI_FLOW_BEGINNING_UNKNOWN,
		};
		f->proto = ndpi_detection_process_packet(d->mod, f->nf, l3, (unsigned short)l3_len, ms, &in);
#elif HAVE_NDPI_PROCESS_PACKET_INPUT_INFO
		(void)from_client;
		f->proto = ndpi_detection_process_packet(d->mod, f->nf, l3, (unsigned short)l3_len, ms, NULL);
#else
		(void)from_client;
		f->proto = ndpi_detection_process_packet(d->mod, f->nf, l3, (unsigned short)l3_len, ms);
#endif
		f->detected = by_content(f->nf, f->proto);
	}
	f->fed++;
	if ((f->detected && !ndpi_extra_dissection_possible(d->mod, f->nf)) || f->fed >= DPI_MAX_PACKETS)
		f->final = true;
	return f->final;
}

/* --- verdicts -------------------------------------------------------------------- */

/* nDPI names a flow "MASTER.APP".  The app is usually a service found by
 * address or host name (SMTP.Google, TLS.Microsoft), but some dissectors put
 * the protocol they recognised in the app and the port's protocol in the
 * master: HTTP on port 25 is "SMTP.HTTP".  A protocol has default ports in
 * nDPI's table, a service has none: that tells which of the two to name. */
static bool is_protocol(const struct dpi *d, uint16_t id)
{
	if (id == NDPI_PROTOCOL_UNKNOWN || id >= d->nprotos)
		return false;
	const ndpi_proto_defaults_t *pd = &d->defaults[id];
	return pd->tcp_default_ports[0] != 0 || pd->udp_default_ports[0] != 0;
}

static uint16_t named_proto(const struct dpi *d, ndpi_protocol p)
{
	uint16_t m = NDPI_MASTER(p), a = NDPI_APP(p);
	if (a != NDPI_PROTOCOL_UNKNOWN && a != m && is_protocol(d, a))
		return a;
	return m != NDPI_PROTOCOL_UNKNOWN ? m : a;
}

static bool either(ndpi_protocol p, uint16_t id)
{
	return NDPI_MASTER(p) == id || NDPI_APP(p) == id;
}

static enum dpi_class class_of(const struct dpi *d, ndpi_protocol p, bool known)
{
	if (!known)
		return DPI_UNKNOWN;
	if (either(p, NDPI_PROTOCOL_MAIL_SMTPS))
		return DPI_SMTPS;
	if (either(p, NDPI_PROTOCOL_HTTP_CONNECT) || either(p, NDPI_PROTOCOL_HTTP_PROXY) ||
	    either(p, NDPI_PROTOCOL_SOCKS))
		return DPI_TUNNEL;
	switch (named_proto(d, p)) {
	case NDPI_PROTOCOL_MAIL_SMTP: return DPI_SMTP;
	case NDPI_PROTOCOL_TLS: return DPI_TLS;
	default: return DPI_OTHER;
	}
}

enum dpi_class dpi_class_now(const struct dpi *d, const struct dpi_flow *f)
{
	return class_of(d, f->proto, f->detected);
}

/* The name a mail engineer expects: SMTPS for implicit TLS whichever half
 * nDPI put it in, else the protocol of named_proto. */
static uint16_t main_proto(const struct dpi *d, ndpi_protocol p, enum dpi_class c)
{
	if (c == DPI_SMTPS)
		return NDPI_PROTOCOL_MAIL_SMTPS;
	return named_proto(d, p);
}

/* Flow risks a mail team acts on.  Not here: the HTTP, DNS, SSH and SMB
 * ones, and those that every MTA-to-MTA TLS session raises (no SNI, no
 * HTTPS inside, uncommon ALPN), which would drown the rest. */
static uint64_t mail_risks(void)
{
	static const int ids[] = {
		NDPI_CLEAR_TEXT_CREDENTIALS,
		NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT,
#if HAVE_DECL_NDPI_TCP_ISSUES /* later releases */
		NDPI_TCP_ISSUES,
#endif
		NDPI_UNSAFE_PROTOCOL,
		NDPI_MALFORMED_PACKET,
		NDPI_INVALID_CHARACTERS,
		NDPI_POSSIBLE_EXPLOIT,
		NDPI_TLS_OBSOLETE_VERSION,
		NDPI_TLS_WEAK_CIPHER,
		NDPI_TLS_SELFSIGNED_CERTIFICATE,
		NDPI_TLS_CERTIFICATE_EXPIRED,
		NDPI_TLS_CERTIFICATE_MISMATCH,
		NDPI_TLS_CERTIFICATE_ABOUT_TO_EXPIRE,
		NDPI_TLS_FATAL_ALERT,
		NDPI_MALICIOUS_JA3,
		NDPI_MALICIOUS_SHA1_CERTIFICATE,
		NDPI_RISKY_ASN,
		NDPI_RISKY_DOMAIN,
	};
	uint64_t m = 0;
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (ids[i] >= 0 && ids[i] < 64)
			m |= 1ULL << ids[i];
	return m;
}

void dpi_verdict(struct dpi *d, struct dpi_flow *f, struct dpi_verdict *v)
{
	memset(v, 0, sizeof *v);
	ndpi_protocol p = f->proto;
	bool known = f->detected;
	if (!known) {
		/* giving up lets some dissectors conclude on what they saw; a
		 * guess from the port alone is not a finding (a field that is
		 * unknown is never made up): it stays Unknown */
		uint8_t guessed = 0;
		p = NDPI_GIVEUP(d->mod, f->nf, &guessed);
		known = !guessed && by_content(f->nf, p);
		v->guessed = guessed != 0;
	}
	f->final = true;
	v->cls = class_of(d, p, known);
	const char *name = ndpi_get_proto_name(d->mod, known ? main_proto(d, p, v->cls) : NDPI_PROTOCOL_UNKNOWN);
	snprintf(v->protocol, sizeof v->protocol, "%s", name ? name : "Unknown");
	v->risks = (uint64_t)f->nf->risk & mail_risks();
}

uint64_t dpi_risk_nonstandard_port(void)
{
	return 1ULL << NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT;
}

const char *dpi_risk_name(unsigned n)
{
	if (n >= 64 || n >= NDPI_MAX_RISK)
		return "unknown";
	const char *s = ndpi_risk2str((ndpi_risk_enum)n);
	return s ? s : "unknown";
}

void dpi_risks(uint64_t risks, char *out, size_t n)
{
	size_t len = 0;
	if (n == 0)
		return;
	out[0] = '\0';
	for (unsigned i = 0; i < 64; i++) {
		if (!(risks & (1ULL << i)))
			continue;
		int w = snprintf(out + len, n - len, "%s%s", len ? "," : "", dpi_risk_name(i));
		if (w < 0 || (size_t)w >= n - len) {
			out[len] = '\0'; /* whole names only */
			return;
		}
		len += (size_t)w;
	}
}

const char *dpi_lib_version(void)
{
	return ndpi_revision();
}
