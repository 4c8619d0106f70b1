/* facts_names.c — a session's EHLO/HELO name and banner from its payload,
 * the way the parser would read them (RFC 5321 4.1.1.1 EHLO, 4.2 replies,
 * 4.3.1 the greeting; RFC 3207 STARTTLS, RFC 3463 enhanced codes), without
 * the parser: lines are split in place, only the few that matter are looked
 * at, and each side stops as soon as nothing it sends later can change the
 * names — the client at DATA, BDAT, STARTTLS or QUIT (what follows is
 * content or ciphertext), the server after its first reply.
 *
 * Mirrors, and must stay in step with: smtp_client.c (client_feed,
 * client_line, lookup_verb, starts_with_command, looks_binary, the HELO
 * argument), smtp_server.c (server_feed, server_line, dispatch's banner
 * condition, enhanced_code, reply_text's cap) and rules/host_name.c
 * (hm_banner_name's first word).  tests/gateway-pass.py compares the
 * outcome with the full decoder's on every sample and corpus capture.
 */
#include "config.h"

#include "decode/facts_names.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "decode/smtp_internal.h"
#include "decode/smtp_lines.h"
#include "decode/tcp_reasm.h"

/* A segment beyond the expected byte is a reordering more often than a
 * loss: wait for the missing one this many segments, then read on from
 * where the stream now is (a hole the capture will never fill). */
#define AHEAD_WAIT 3

void fn_init(struct facts_names *n, bool partial, bool implicit_tls)
{
	uint32_t link = n->next_free;
	memset(n, 0, offsetof(struct facts_names, carry));
	n->next_free = link;
	n->partial = partial;
	n->done[FN_CLIENT] = n->done[FN_SERVER] = implicit_tls;
}

static bool verb_is(const char *s, size_t n, const char *verb)
{
	return strlen(verb) == n && strncasecmp(s, verb, n) == 0;
}

/* A four-letter verb, case-insensitively as strncasecmp: a byte ORed with
 * 0x20 equals a lower-case letter only if it is that letter in either
 * case, so one word compare does. */
#define WORD4(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

static inline bool verb4(const char *s, uint32_t lower)
{
	const uint8_t *b = (const uint8_t *)s;
	return (WORD4(b[0], b[1], b[2], b[3]) | 0x20202020u) == lower;
}

/* smtp_client.c lookup_verb: any known command. */
static bool known_verb(const char *s, size_t n)
{
	for (int c = CMD_HELO; c < CMD_EOD; c++)
		if (verb_is(s, n, smtp_cmd_verb((enum smtp_cmd)c)))
			return true;
	return false;
}

/* smtp_client.c starts_with_command. */
static bool starts_with_command(const uint8_t *p, size_t n)
{
	size_t v = 0;
	while (v < n && v < 16 && (isalpha(p[v]) || (v > 0 && (isdigit(p[v]) || p[v] == '-'))))
		v++;
	if (v == 0 || (v < n && p[v] != ' ' && p[v] != '\r' && p[v] != '\n'))
		return false;
	return known_verb((const char *)p, v);
}

/* smtp_client.c looks_binary. */
static bool looks_binary(const char *s, size_t len)
{
	size_t n = len < 16 ? len : 16;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return true;
	return false;
}

static void client_line(struct facts_names *n, const char *s, size_t len)
{
	if (len == 0)
		return;
	if (looks_binary(s, len)) {
		struct line l = { .s = s, .len = len }, stripped;
		if (line_after_binary(&l, &stripped) &&
		    starts_with_command((const uint8_t *)stripped.s, stripped.len)) {
			s = stripped.s;
			len = stripped.len;
		}
	}
	n->client_line = true;
	/* the verb runs to the first space; the ones looked for are letters,
	 * so a match also proves there is no space before */
	size_t vlen = len == 4 || (len > 4 && s[4] == ' ') ? 4 : len == 8 || (len > 8 && s[8] == ' ') ? 8 : 0;
	if (vlen == 8) {
		if (verb4(s, WORD4('s', 't', 'a', 'r')) && verb4(s + 4, WORD4('t', 't', 'l', 's')))
			n->done[FN_CLIENT] = true; /* ciphertext follows */
		return;
	}
	if (vlen != 4)
		return; /* neither a greeting nor a command that ends the reading */
	if (verb4(s, WORD4('e', 'h', 'l', 'o')) || verb4(s, WORD4('h', 'e', 'l', 'o'))) {
		const char *arg = s + vlen;
		size_t alen = len - vlen;
		while (alen && *arg == ' ') {
			arg++;
			alen--;
		}
		if (alen > FACTS_HELO_MAX)
			alen = FACTS_HELO_MAX;
		const char *nul = memchr(arg, '\0', alen); /* the parser keeps a C string */
		if (nul)
			alen = (size_t)(nul - arg);
		memcpy(n->helo, arg, alen);
		n->helo[alen] = '\0';
		n->has_helo = true;
	} else if (verb4(s, WORD4('d', 'a', 't', 'a')) || verb4(s, WORD4('b', 'd', 'a', 't')) ||
		   verb4(s, WORD4('q', 'u', 'i', 't'))) {
		n->done[FN_CLIENT] = true; /* content or the end follows */
	}
}

/* smtp_server.c enhanced_code: the length of "x.y.z" at the start, or 0. */
static size_t enhanced_code(const char *s, size_t n)
{
	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	size_t i = 2, d = 0;
	while (i < n && isdigit((unsigned char)s[i]) && d < 3) {
		i++;
		d++;
	}
	if (d == 0 || i >= n || s[i] != '.')
		return 0;
	i++;
	d = 0;
	while (i < n && isdigit((unsigned char)s[i]) && d < 3) {
		i++;
		d++;
	}
	if (d == 0 || (i < n && s[i] != ' '))
		return 0;
	return i;
}

static bool reply_line(const char *t, size_t len)
{
	return len >= 3 && t[0] >= '1' && t[0] <= '5' && isdigit((unsigned char)t[1]) &&
	       isdigit((unsigned char)t[2]) && (len == 3 || t[3] == ' ' || t[3] == '-');
}

/* The first word of the banner's text as hm_banner_name takes it: after an
 * enhanced code the parser recognised, then spaces, up to a space or tab;
 * within the reply text's cap, up to a NUL. */
static void banner_word(struct facts_names *n, const char *t, size_t len)
{
	const char *text = len > 4 ? t + 4 : "";
	size_t tlen = len > 4 ? len - 4 : 0;
	if (tlen > FACTS_TEXT_MAX)
		tlen = FACTS_TEXT_MAX;
	const char *nul = memchr(text, '\0', tlen);
	if (nul)
		tlen = (size_t)(nul - text);
	size_t el = enhanced_code(text, tlen);
	size_t i = el && el < 16 && text[0] == t[0] ? el : 0;
	while (i < tlen && text[i] == ' ')
		i++;
	size_t w = i;
	while (w < tlen && text[w] != ' ' && text[w] != '\t')
		w++;
	memcpy(n->banner, text + i, w - i);
	n->banner_len = (uint16_t)(w - i);
}

static void server_line(struct facts_names *n, const char *s, size_t len)
{
	if (!reply_line(s, len)) {
		struct line l = { .s = s, .len = len }, stripped;
		if (!line_after_binary(&l, &stripped) || !reply_line(stripped.s, stripped.len))
			return;
		s = stripped.s;
		len = stripped.len;
	}
	if (!n->in_reply) {
		n->in_reply = true;
		banner_word(n, s, len);
		unsigned code = (unsigned)((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
		/* smtp_server.c dispatch: mid-stream, only a 220 with no command
		 * waiting is the greeting */
		n->banner_ok = !n->partial || (code == 220 && !n->client_line);
	}
	if (len > 3 && s[3] == '-')
		return; /* the reply goes on */
	n->has_banner = n->banner_ok;
	n->done[FN_SERVER] = true;
}

static void line(struct facts_names *n, int side, const char *s, size_t len)
{
	if (len && s[len - 1] == '\r')
		len--;
	if (side == FN_CLIENT)
		client_line(n, s, len);
	else
		server_line(n, s, len);
}

static void hold(struct facts_names *n, int side, const uint8_t *p, size_t len)
{
	size_t room = FN_LINE - n->carry_len[side];
	if (len > room) {
		n->cut[side] = true;
		len = room;
	}
	memcpy(n->carry[side] + n->carry_len[side], p, len);
	n->carry_len[side] = (uint16_t)(n->carry_len[side] + len);
}

/* Lines in place when a segment holds them whole; a line split across
 * segments is assembled in the carry (its first FN_LINE bytes). */
static void split(struct facts_names *n, int side, const uint8_t *p, size_t len)
{
	while (len && !n->done[side]) {
		const uint8_t *lf = memchr(p, '\n', len);
		size_t take = lf ? (size_t)(lf - p) + 1 : len;
		if (n->skipping[side]) {
			n->skipping[side] = !lf;
		} else if (!lf) {
			hold(n, side, p, take);
		} else if (n->carry_len[side] == 0 && !n->cut[side]) {
			line(n, side, (const char *)p, take - 1);
		} else {
			hold(n, side, p, take - 1);
			line(n, side, n->carry[side], n->carry_len[side]);
			n->carry_len[side] = 0;
			n->cut[side] = false;
		}
		p += take;
		len -= take;
	}
}

/* The first bytes of a side: TLS from the start (smtp_client.c,
 * smtp_server.c: the session is opaque), or a mid-stream client that is in
 * the middle of a message. */
static void first_bytes(struct facts_names *n, int side, const uint8_t *p, size_t len)
{
	n->spoke[side] = true;
	if (side == FN_CLIENT) {
		if (p[0] == 0x16 && (len < 2 || p[1] == 0x03) && !n->has_banner)
			n->done[FN_CLIENT] = n->done[FN_SERVER] = true;
		else if (n->partial && !starts_with_command(p, len))
			n->done[FN_CLIENT] = true;
	} else if (len >= 2 && p[0] == 0x16 && p[1] == 0x03 && !n->has_banner) {
		n->done[FN_CLIENT] = n->done[FN_SERVER] = true;
	}
}

static void lost(struct facts_names *n, int side)
{
	n->carry_len[side] = 0;
	n->cut[side] = false;
	n->skipping[side] = true;
}

/* The new bytes of a segment, from `skip`; `have` of its payload were
 * captured. */
static void read_bytes(struct facts_names *n, int side, const struct tcp_seg *seg, uint32_t skip,
		       uint32_t have)
{
	if (skip >= have) {
		lost(n, side); /* the new bytes were cut off by the snaplen */
		return;
	}
	const uint8_t *p = seg->payload + skip;
	size_t len = have - skip;
	if (!n->spoke[side]) {
		first_bytes(n, side, p, len);
		if (n->done[side])
			return;
	}
	split(n, side, p, len);
	if (have < seg->payload_wire_len)
		lost(n, side);
}

void fn_segment(struct facts_names *n, int side, const struct tcp_seg *seg)
{
	if (n->done[side] || (seg->flags & TCPF_RST))
		return;
	uint32_t seq = seg->seq + ((seg->flags & TCPF_SYN) ? 1 : 0);
	uint32_t wire = seg->payload_wire_len;
	uint32_t have = seg->payload_len < wire ? seg->payload_len : wire;
	if (!n->started[side]) {
		if (!wire && !(seg->flags & TCPF_SYN))
			return;
		n->started[side] = true;
		n->next_seq[side] = seq;
	}
	if (!wire)
		return;
	uint32_t skip = 0; /* bytes at the front already read */
	if (seq_diff(seq, n->next_seq[side]) > 0) {
		if (!n->ahead_run[side] || seq_diff(seq + wire, n->ahead_end[side]) > 0)
			n->ahead_end[side] = seq + wire;
		if (++n->ahead_run[side] <= AHEAD_WAIT)
			return;
		lost(n, side); /* the hole is not coming back: on from here */
		n->ahead_run[side] = 0;
	} else {
		skip = n->next_seq[side] - seq; /* modulo 2^32, at most 2^31 */
	}
	if (skip >= wire)
		return; /* a retransmission of bytes already read */
	n->next_seq[side] = seq + wire;
	if (n->ahead_run[side]) {
		/* the missing segment came: read it, then go on after what
		 * overtook it (those bytes were not kept) */
		n->ahead_run[side] = 0;
		if (seq_diff(n->ahead_end[side], n->next_seq[side]) > 0) {
			read_bytes(n, side, seg, skip, have);
			lost(n, side);
			n->next_seq[side] = n->ahead_end[side];
			return;
		}
	}
	read_bytes(n, side, seg, skip, have);
}
