/* flow_class.c — which TCP flows carry SMTP (nDPI verdicts, --any-port). */
#include "config.h"

#include "decode/flow_class.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/mem.h"
#include "decode/smtp_session.h"

struct flow_class {
	struct dpi *dpi;
	const uint8_t *smtp_ports, *tls_ports;
	struct dec_dpi_stats *st;
};

/* One frame of a pending flow, as captured. */
struct held_frame {
	struct held_frame *next;
	int64_t ts_us;
	int linktype;
	uint32_t caplen, wirelen;
	uint8_t data[];
};

/* Classification state of one flow (struct flow's `cls`). */
struct fc_flow {
	struct dpi_flow *dpi;           /* NULL before the first payload, or when skipped */
	bool dpi_tried;                 /* dpi_flow_new was called */
	bool final;                     /* nDPI wants no more packets */
	/* pending flows only */
	struct held_frame *head, *tail;
	uint32_t nheld, held_bytes;
	int8_t syn_ep;                  /* endpoint that sent the SYN, -1 if none seen */
	int8_t banner_ep;               /* endpoint that sent a "220" line, -1 if none */
	bool banner_esmtp;              /* ...and the line says "ESMTP" */
	bool answered;                  /* ...the other one sent something after it */
	bool hello_sent;                /* ...and that was EHLO/HELO/LHLO */
	bool smtp_cmd;                  /* ...or another command only SMTP has */
	bool hello_replied;             /* the greeting side then spoke again */
	bool smtp_seen;                 /* an SMTP exchange: hello answered 250, or an
					 * ESMTP greeting answered with an SMTP command */
	bool replyish[2];               /* an endpoint's first payload looks like a reply */
	bool spoke[2];
	bool fin[2];
	bool rst;
	bool first_syn;                 /* the first frame seen was a SYN or SYN-ACK */
	size_t charged;                 /* this struct and the held frames */
};

static inline bool port_in(const uint8_t *set, uint16_t port)
{
	return set[port >> 3] & (1u << (port & 7));
}

struct flow_class *fc_new(struct dpi *dpi, const uint8_t *smtp_ports, const uint8_t *tls_ports,
			  struct dec_dpi_stats *st)
{
	struct flow_class *fc = xcalloc(1, sizeof *fc);
	fc->dpi = dpi;
	fc->smtp_ports = smtp_ports;
	fc->tls_ports = tls_ports;
	fc->st = st;
	return fc;
}

void fc_free(struct flow_class *fc)
{
	free(fc);
}

static struct fc_flow *cls_of(struct flow *f)
{
	if (!f->cls) {
		f->cls = xcalloc(1, sizeof *f->cls);
		f->cls->syn_ep = -1;
		f->cls->banner_ep = -1;
		f->cls->charged = sizeof *f->cls;
		mem_charge(sizeof *f->cls);
	}
	return f->cls;
}

void fc_release(struct flow *f)
{
	struct fc_flow *c = f->cls;
	if (!c)
		return;
	dpi_flow_free(c->dpi);
	for (struct held_frame *h = c->head, *next; h; h = next) {
		next = h->next;
		free(h);
	}
	mem_release(c->charged);
	free(c);
	f->cls = NULL;
}

/* --- nDPI feeding ------------------------------------------------------------ */

/* Feeds one payload packet; true once the verdict is final. */
static bool feed(struct flow_class *fc, struct fc_flow *c, const struct tcp_seg *seg, bool from_client)
{
	if (!c->dpi_tried) {
		c->dpi_tried = true;
		c->dpi = fc->dpi ? dpi_flow_new(fc->dpi) : NULL;
		if (c->dpi)
			fc->st->flows++;
		else if (fc->dpi)
			fc->st->skipped_memcap++;
	}
	if (!c->dpi)
		return c->final = true;
	return c->final = dpi_feed(fc->dpi, c->dpi, seg->l3, seg->l3_len, seg->ts_us, from_client);
}

static bool is_smtp_class(enum dpi_class c)
{
	return c == DPI_SMTP || c == DPI_SMTPS;
}

/* nDPI's verdict into the session, and its state freed. */
static void record(struct flow_class *fc, struct flow *f)
{
	struct smtp_session *s = f->session;
	struct fc_flow *c = f->cls;
	f->classified = true;
	if (!s || !c || !c->dpi)
		return;
	struct dpi_verdict v;
	dpi_verdict(fc->dpi, c->dpi, &v);
	dpi_flow_free(c->dpi);
	c->dpi = NULL;
	f->dpi_class = (uint8_t)v.cls;
	s->dpi_done = true;
	memcpy(s->protocol, v.protocol, sizeof s->protocol);
	s->protocol[sizeof s->protocol - 1] = '\0';
	s->dpi_risks = v.risks;
}

/* At the end, with the whole dialogue known: does an SMTP port carry
 * something else?  Told apart from what nDPI may get wrong. */
static void judge_session(struct flow_class *fc, const struct flow *f)
{
	struct smtp_session *s = f->session;
	if (!s || !s->dpi_done)
		return;
	enum dpi_class k = (enum dpi_class)f->dpi_class;
	bool smtp_port = port_in(fc->smtp_ports, s->server_port);
	bool tls_port = port_in(fc->tls_ports, s->server_port);
	/* a greeting answered by a hello is SMTP, whatever a port-based
	 * dissector thought (nDPI 4.2 names SMTP from port 5001
	 * "TargusDataspeed"); a proxy's name stays: it says how SMTP came */
	if (k == DPI_OTHER && s->has_banner && s->helo) {
		k = DPI_SMTP;
		snprintf(s->protocol, sizeof s->protocol, "SMTP");
	}
	/* nDPI's idea of SMTP's port is 25 alone; submission on 587 or 2525 is
	 * standard here when it is among --ports */
	if (smtp_port && (is_smtp_class(k) || (k == DPI_TLS && tls_port)))
		s->dpi_risks &= ~dpi_risk_nonstandard_port();
	bool starttls = s->tls && !s->implicit_tls;
	bool other = k == DPI_OTHER || (k == DPI_TUNNEL && !s->has_banner) ||
		     (k == DPI_TLS && !tls_port && !starttls);
	if (smtp_port && other) {
		s->not_smtp = true;
		s->anomalies[ANOM_NOT_SMTP]++;
		fc->st->not_smtp++;
	}
}

void fc_session_packet(struct flow_class *fc, struct flow *f, const struct tcp_seg *seg,
		       bool from_client)
{
	if (f->classified || seg->payload_len == 0)
		return;
	if (feed(fc, cls_of(f), seg, from_client))
		record(fc, f);
	if (f->classified && f->cls && !f->cls->head)
		fc_release(f);
}

void fc_session_opened(struct flow_class *fc, struct flow *f)
{
	if (f->cls && f->cls->final)
		record(fc, f);
}

void fc_session_end(struct flow_class *fc, struct flow *f)
{
	if (!f->classified)
		record(fc, f);
	fc_release(f);
	judge_session(fc, f);
}

/* --- pending flows (--any-port) ------------------------------------------------ */

static bool hold(struct fc_flow *c, int linktype, int64_t ts, const uint8_t *frame, uint32_t caplen,
		 uint32_t wirelen)
{
	size_t need = sizeof(struct held_frame) + caplen;
	if (c->nheld >= FC_HOLD_FRAMES || c->held_bytes + caplen > FC_HOLD_BYTES || mem_would_exceed(need))
		return false;
	struct held_frame *h = xmalloc(need);
	h->next = NULL;
	h->ts_us = ts;
	h->linktype = linktype;
	h->caplen = caplen;
	h->wirelen = wirelen;
	memcpy(h->data, frame, caplen);
	if (c->tail)
		c->tail->next = h;
	else
		c->head = h;
	c->tail = h;
	c->nheld++;
	c->held_bytes += caplen;
	c->charged += need;
	mem_charge(need);
	return true;
}

/* "220 " or "220-": an SMTP greeting (FTP's too, which nDPI tells apart
 * when it can; this is the fallback when it cannot). */
static bool is_banner(const uint8_t *p, uint32_t n)
{
	return n >= 4 && p[0] == '2' && p[1] == '2' && p[2] == '0' && (p[3] == ' ' || p[3] == '-');
}

/* "ESMTP" in the greeting line at p (up to its end or n bytes): RFC 5321
 * 4.3.1 servers that take EHLO say so; FTP servers never do. */
static bool says_esmtp(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i + 5 <= n && p[i] != '\n'; i++)
		if (strncasecmp((const char *)p + i, "ESMTP", 5) == 0)
			return true;
	return false;
}

/* A greeting on any line of the first KB: behind a proxy (HTTP CONNECT,
 * SOCKS) it follows the proxy's own answer.  *esmtp: that line says ESMTP. */
static bool has_banner_line(const uint8_t *p, uint32_t n, bool *esmtp)
{
	uint32_t lim = n < 1024 ? n : 1024;
	for (uint32_t i = 0; i < lim;) {
		if (is_banner(p + i, n - i)) {
			*esmtp = says_esmtp(p + i, n - i);
			return true;
		}
		const uint8_t *nl = memchr(p + i, '\n', lim - i);
		if (!nl)
			break;
		i = (uint32_t)(nl - p) + 1;
	}
	return false;
}

/* RFC 5321 EHLO/HELO, RFC 2033 LHLO: the client's answer to a greeting. */
static bool is_hello(const uint8_t *p, uint32_t n)
{
	static const char *const verbs[] = { "EHLO", "HELO", "LHLO" };
	if (n < 5 || (p[4] != ' ' && p[4] != '\r' && p[4] != '\n'))
		return false;
	for (size_t v = 0; v < 3; v++)
		if (strncasecmp((const char *)p, verbs[v], 4) == 0)
			return true;
	return false;
}

/* Commands SMTP has and FTP, POP3, IMAP and NNTP do not (RFC 5321 4.1,
 * RFC 3207, RFC 3030): a greeting answered with one of them is SMTP even
 * without the reply.  Not AUTH, HELP, NOOP, QUIT: FTP has them too. */
static bool is_smtp_command(const uint8_t *p, uint32_t n)
{
	static const char *const cmds[] = { "MAIL FROM:", "RCPT TO:", "STARTTLS", "VRFY ",
					    "EXPN ", "ETRN ", "BDAT " };
	if (is_hello(p, n))
		return true;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		size_t k = strlen(cmds[i]);
		if (n >= k && strncasecmp((const char *)p, cmds[i], k) == 0)
			return true;
	}
	return false;
}

static bool is_reply(const uint8_t *p, uint32_t n)
{
	return n >= 4 && p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
	       p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '-');
}

static void note(struct fc_flow *c, int ep, const struct tcp_seg *seg)
{
	if ((seg->flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
		c->syn_ep = (int8_t)ep;
	else if ((seg->flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK) && c->syn_ep < 0)
		c->syn_ep = (int8_t)(1 - ep);
	if (seg->flags & TCPF_FIN)
		c->fin[ep] = true;
	if (seg->flags & TCPF_RST)
		c->rst = true;
	if (seg->payload_len == 0)
		return;
	/* a greeting from the side that did not open the connection, then a
	 * hello from the other, answered 250 (or an ESMTP greeting answered
	 * with an SMTP command): SMTP, whatever came before (a proxy).  A 220
	 * greeting alone is not: FTP servers greet with 220 too. */
	if (c->banner_ep < 0 && c->syn_ep != ep &&
	    has_banner_line(seg->payload, seg->payload_len, &c->banner_esmtp)) {
		c->banner_ep = (int8_t)ep;
	} else if (c->banner_ep >= 0 && c->banner_ep != ep && !c->answered) {
		c->answered = true;
		c->hello_sent = is_hello(seg->payload, seg->payload_len);
		c->smtp_cmd = is_smtp_command(seg->payload, seg->payload_len);
		c->smtp_seen = c->banner_esmtp && c->smtp_cmd;
	} else if (c->banner_ep == ep && c->hello_sent && !c->hello_replied) {
		c->hello_replied = true;
		c->smtp_seen = seg->payload_len >= 4 && memcmp(seg->payload, "250", 3) == 0 &&
			       (seg->payload[3] == ' ' || seg->payload[3] == '-');
	}
	if (c->spoke[ep])
		return;
	c->spoke[ep] = true;
	c->replyish[ep] = is_reply(seg->payload, seg->payload_len);
}

/* An SMTP exchange (greeting, hello, 250) is SMTP, even inside a proxy
 * tunnel; else nDPI's word.  A greeting not yet answered, or a hello not yet
 * replied to, waits for the exchange; a greeting alone is not SMTP.
 * `ended`: the flow ends or can be held no longer. */
static enum fc_action judge(const struct fc_flow *c, enum dpi_class k, bool ended)
{
	if (c->smtp_seen || is_smtp_class(k))
		return FC_PROMOTE;
	/* the exchange is under way: it decides, not a port-based guess
	 * (nDPI 4.2 calls SMTP from port 5001 "TargusDataspeed") */
	bool greeting_pending = c->banner_ep >= 0 && !c->answered;
	bool hello_pending = c->hello_sent && !c->hello_replied;
	if ((greeting_pending || hello_pending) && k != DPI_TLS)
		return ended ? FC_IGNORE : FC_WAIT;
	if (k == DPI_TUNNEL) /* the tunnel's content decides: wait for a greeting */
		return ended ? FC_IGNORE : FC_WAIT;
	if (k != DPI_UNKNOWN)
		return FC_IGNORE;
	return !ended && !c->final ? FC_WAIT : FC_IGNORE;
}

static enum fc_action decided(struct flow_class *fc, enum fc_action a)
{
	if (a == FC_PROMOTE)
		fc->st->promoted++;
	else if (a == FC_IGNORE)
		fc->st->ignored++;
	return a;
}

enum fc_action fc_pending_packet(struct flow_class *fc, struct flow *f, int ep,
				 const struct tcp_seg *seg, int linktype, const uint8_t *frame,
				 uint32_t caplen, uint32_t wirelen, bool *held)
{
	bool first = !f->cls;
	struct fc_flow *c = cls_of(f);
	if (first)
		c->first_syn = seg->flags & TCPF_SYN;
	*held = hold(c, linktype, seg->ts_us, frame, caplen, wirelen);
	note(c, ep, seg);
	if (seg->payload_len > 0 && !c->final) {
		bool from_client = c->syn_ep >= 0 ? ep == c->syn_ep : ep != c->banner_ep;
		feed(fc, c, seg, from_client); /* without nDPI (--memcap) final at once */
	}
	/* the flow ends, or nothing more can be kept: decide on what was seen */
	bool ended = c->rst || (c->fin[0] && c->fin[1]) || !*held;
	enum fc_action a = judge(c, c->dpi ? dpi_class_now(fc->dpi, c->dpi) : DPI_UNKNOWN, ended);
	return a == FC_WAIT ? a : decided(fc, a);
}

enum fc_action fc_settle(struct flow_class *fc, struct flow *f)
{
	struct fc_flow *c = cls_of(f);
	struct dpi_verdict v = { .cls = DPI_UNKNOWN };
	if (c->dpi)
		dpi_verdict(fc->dpi, c->dpi, &v); /* nDPI gives up: its last word */
	c->final = true;
	return decided(fc, judge(c, v.cls, true));
}

int fc_client_ep(const struct flow *f)
{
	const struct fc_flow *c = f->cls;
	if (!c)
		return f->client_ep;
	if (c->syn_ep >= 0)
		return c->syn_ep;
	if (c->banner_ep >= 0)
		return 1 - c->banner_ep;
	for (int ep = 0; ep < 2; ep++)
		if (c->replyish[ep] && !c->replyish[1 - ep])
			return 1 - ep;
	/* nothing to go by: the ephemeral (higher) port is the client's */
	return f->key.port[0] > f->key.port[1] ? 0 : 1;
}

bool fc_saw_syn(const struct flow *f)
{
	return f->cls && f->cls->first_syn;
}

uint32_t fc_held(const struct flow *f)
{
	return f->cls ? f->cls->nheld : 0;
}

void fc_replay(struct flow *f, fc_frame_fn fn, void *ctx)
{
	struct fc_flow *c = f->cls;
	if (!c)
		return;
	/* detached first: fn may end the session, which releases f->cls */
	struct held_frame *h = c->head;
	c->head = c->tail = NULL;
	c->charged -= c->nheld * sizeof *h + c->held_bytes;
	c->nheld = c->held_bytes = 0;
	while (h) {
		struct held_frame *next = h->next;
		fn(ctx, h->linktype, h->ts_us, h->data, h->caplen, h->wirelen);
		mem_release(sizeof *h + h->caplen);
		free(h);
		h = next;
	}
	if (f->cls && f->classified)
		fc_release(f);
}
