/* smtp_header.h — picks Message-ID and Subject out of a message header
 * (RFC 5322 2.2 unfolding) and decodes RFC 2047 encoded-words to UTF-8.
 * Only these two fields are kept; the rest of the message is counted, not
 * stored.
 */
#ifndef SMTPSCOPE_SMTP_HEADER_H
#define SMTPSCOPE_SMTP_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#define HDR_FIELD_MAX 998  /* RFC 5322 line limit; longer unfolded fields are cut */

struct hdr_parser {
	bool done;            /* blank line seen (or header too long): stop looking */
	int field;            /* which wanted field is being unfolded, 0 = none */
	size_t total;         /* header bytes seen, to give up on absurd headers */
	size_t len;
	char buf[HDR_FIELD_MAX + 1];
};

enum hdr_field { HDR_NONE = 0, HDR_MESSAGE_ID = 1, HDR_SUBJECT = 2 };

/* Called with a complete unfolded wanted field (value only, trimmed).
 * For HDR_SUBJECT the value is already decoded to UTF-8. */
typedef void (*hdr_field_fn)(void *ctx, enum hdr_field f, const char *value, size_t len);

void hdr_init(struct hdr_parser *h);
/* Feeds one header line (without its line ending, dot-unstuffed).  An empty
 * line ends the header. */
void hdr_line(struct hdr_parser *h, const char *s, size_t n, hdr_field_fn fn, void *ctx);
/* End of message content: flushes a field still being unfolded. */
void hdr_finish(struct hdr_parser *h, hdr_field_fn fn, void *ctx);

/* RFC 2047 decoding of a header value into out (UTF-8, NUL-terminated, cut
 * at outsz).  Text outside encoded-words is copied as is; whitespace between
 * two adjacent encoded-words is dropped.  Returns the output length. */
size_t hdr_decode_words(const char *in, size_t n, char *out, size_t outsz);

#endif
