/* smtp_timeout.c — a server closing the dialogue on its own idle timer.
 *
 * RFC 5321 4.5.3.2 gives servers at least 5 minutes of patience per command
 * and per block of message content; when it runs out, MTAs say so before
 * they close: Postfix "421 4.4.2 <host> Error: timeout exceeded", Exchange
 * "451 4.7.0 Timeout waiting for client input", Exim "421 <host> SMTP
 * incoming data timeout - closing connection".  Such a reply answers no
 * command: the client (or the path from it) had gone silent.  Reported as
 * the server's timeout, so that rules/ do not read the close as a drop.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "decode/smtp_internal.h"

/* "timeout", "timed out", "time out", "time-out", any case. */
static bool says_timeout(const char *t)
{
	static const char *const words[] = { "timeout", "timed out", "time out", "time-out" };
	char low[SMTP_REPLY_TEXT_MAX];
	size_t n = strnlen(t, sizeof low - 1);
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)t[i]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

bool server_timeout_check(struct smtp_session *s, const struct smtp_reply *r)
{
	struct smtp_parser *p = s->parser;
	if (r->code / 100 != 4 || !says_timeout(r->text))
		return false;
	if (s->server_timeout)
		return true; /* the first one counts */
	/* the client's last bytes, else the start: a client that never spoke
	 * was silent from the handshake on */
	int64_t last = p->client_spoke && p->cmd_ts ? p->cmd_ts : s->start_ts;
	s->server_timeout = true;
	s->server_timeout_code = r->code;
	s->server_timeout_ts = r->ts_us;
	s->client_silent_us = r->ts_us > last ? r->ts_us - last : 0;
	return true;
}
