/* dpi.h — protocol classification of TCP flows with nDPI: the only door to
 * the library (every nDPI call is in dpi.c).
 *
 * One struct dpi per program (nDPI's detection module: a few MB of automata
 * and tables, made once).  One struct dpi_flow per flow being classified
 * (nDPI's per-flow state, ~0.7 KB plus what its dissectors buffer), created
 * at the flow's first payload and freed as soon as the verdict is in: a flow
 * costs nothing before it carries data and nothing after its first dozen
 * payload packets.  Everything nDPI allocates after dpi_new is charged to
 * mem_acct (decode/mem.h), so --memcap and the stats see it.
 */
#ifndef SMTPSCOPE_DPI_H
#define SMTPSCOPE_DPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Payload packets fed to nDPI per flow at most; then it must decide.  SMTP
 * is recognised at the client's first command after the banner; clear-text
 * AUTH a few packets later. */
#define DPI_MAX_PACKETS 12

/* What a flow carries, as far as a mail team cares. */
enum dpi_class {
	DPI_UNKNOWN, /* nDPI could not tell (yet) */
	DPI_SMTP,    /* SMTP in clear (with or without a later STARTTLS) */
	DPI_SMTPS,   /* SMTP over TLS: implicit TLS (465), or STARTTLS in newer nDPI */
	DPI_TLS,     /* TLS carrying something nDPI did not name as mail */
	DPI_TUNNEL,  /* a proxy (HTTP CONNECT, SOCKS): anything may follow, SMTP too */
	DPI_OTHER,   /* some other protocol (HTTP, SSH, FTP, ...) */
};

/* The outcome for one flow: small, kept after the nDPI state is freed. */
struct dpi_verdict {
	enum dpi_class cls;
	bool guessed;      /* nDPI could only guess from the port: cls is DPI_UNKNOWN */
	char protocol[24]; /* nDPI's name: "SMTP", "SMTPS", "TLS", "HTTP", "Unknown" */
	uint64_t risks;    /* the flow risks that matter to a mail team: bit n = nDPI risk n */
};

struct dpi;
struct dpi_flow;

/* The detection module; NULL with a reason in err when nDPI fails to start. */
struct dpi *dpi_new(char *err, size_t errlen);
/* nDPI's version ("4.2.0"), for build information. */
const char *dpi_lib_version(void);
void dpi_free(struct dpi *d);

/* nDPI state for one more flow; NULL when it would pass --memcap (the flow
 * then goes unclassified). */
struct dpi_flow *dpi_flow_new(struct dpi *d);
void dpi_flow_free(struct dpi_flow *f);

/* One packet of the flow, from its IP header on (l3, l3_len captured bytes).
 * True once the verdict is final: nDPI named the protocol and has nothing
 * more to look at (credentials, certificate), or DPI_MAX_PACKETS were fed;
 * feed no more after that. */
bool dpi_feed(struct dpi *d, struct dpi_flow *f, const uint8_t *l3, uint32_t l3_len,
	      int64_t ts_us, bool from_client);

/* What nDPI has recognised so far (DPI_UNKNOWN before anything). */
enum dpi_class dpi_class_now(const struct dpi *d, const struct dpi_flow *f);

/* The verdict; if it was not final, nDPI gives up now and may guess. */
void dpi_verdict(struct dpi *d, struct dpi_flow *f, struct dpi_verdict *v);

/* Risk bits of a verdict that say "known protocol on a non-standard port". */
uint64_t dpi_risk_nonstandard_port(void);

/* nDPI's name of risk n (0..63), e.g. "Clear-Text Credentials". */
const char *dpi_risk_name(unsigned n);

/* The risk names of a mask, comma-separated, cut to n bytes. */
void dpi_risks(uint64_t risks, char *out, size_t n);

#endif
