/* utf8.h — one strict UTF-8 decoder (RFC 3629) for every layer that has to
 * tell valid text from bytes off the wire: the JSON writer, the text report
 * and the dashboard. */
#ifndef SMTPSCOPE_UTF8_H
#define SMTPSCOPE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The character at s (n bytes left, n > 0): its length 1..4 and *cp, or 0
 * for an invalid, overlong, surrogate or cut sequence. */
static inline size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned char c = s[0];
	size_t len;
	uint32_t v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2;
		v = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		v = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < least[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

#endif
