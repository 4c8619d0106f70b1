/* host_name.c — the host names machines give themselves on the wire: the
 * first word of a server's 220 banner (RFC 5321 4.3.1) and the EHLO/HELO
 * argument (RFC 5321 4.1.1.1).  Shared by the host model and the gateway
 * inference, which ties addresses of one machine by these names. */
#include "config.h"

#include "rules/host_name.h"

#include <string.h>

/* Copies at most dstsz-1 bytes, never ending inside a UTF-8 sequence. */
void host_name_copy(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (n >= dstsz) {
		n = dstsz - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Letters, digits, '-' and '.', with a dot and a letter: a DNS name rather
 * than a word like "ESMTP" or an address literal. */
bool host_name_valid(const char *w, size_t n)
{
	bool dot = false, alpha = false;
	if (n == 0 || n > 253 || w[0] == '.' || w[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = w[i];
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!letter && !(c >= '0' && c <= '9') && c != '-' && c != '.')
			return false;
		alpha |= letter;
		dot |= c == '.';
	}
	return dot && alpha;
}

void hm_banner_name(const struct smtp_session *s, char *out, size_t outsz)
{
	out[0] = '\0';
	if (!s->has_banner)
		return;
	const char *t = s->banner.text;
	size_t el = strlen(s->banner.enhanced);
	if (el && strncmp(t, s->banner.enhanced, el) == 0)
		t += el;
	t += strspn(t, " ");
	size_t n = strcspn(t, " \n\t");
	if (host_name_valid(t, n))
		host_name_copy(out, outsz, t, n);
}

