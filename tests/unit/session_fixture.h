/* session_fixture.h — what the host-model unit tests share to build
 * sessions and replies by hand: the sample clock, the gateway's address, an
 * address parser and a reply setter (the enhanced code taken from the text
 * as the SMTP parser would).  Included by one test program each. */
#ifndef SMTPSCOPE_TEST_SESSION_FIXTURE_H
#define SMTPSCOPE_TEST_SESSION_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "decode/addr.h"
#include "decode/smtp_parser.h"
#include "decode/smtp_session.h"

#define SEC(x) ((int64_t)(x) * 1000000)
#define T0 SEC(1795143600) /* 2026-11-20 03:00:00 UTC */
#define GW "192.0.2.10"

static struct smtp_config scfg;
static uint64_t next_id;

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	addr_parse(s, &a);
	return a;
}

static void set_reply(struct smtp_reply *r, int64_t ts, unsigned code, const char *text)
{
	memset(r, 0, sizeof *r);
	r->ts_us = ts;
	r->code = (uint16_t)code;
	r->lines = 1;
	size_t el = strcspn(text, " ");
	if (el >= 5 && el < sizeof r->enhanced && text[1] == '.' && text[0] == '0' + (int)(code / 100))
		memcpy(r->enhanced, text, el);
	snprintf(r->text, sizeof r->text, "%s", text);
}

#endif
