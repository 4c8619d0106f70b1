/* host_name.h — host names from the wire (banner, EHLO), one rule for all. */
#ifndef SMTPSCOPE_HOST_NAME_H
#define SMTPSCOPE_HOST_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "decode/smtp_session.h"

/* Letters, digits, '-' and '.', with a dot and a letter: a DNS name rather
 * than a word like "ESMTP" or an address literal. */
bool host_name_valid(const char *w, size_t n);

/* Copies at most dstsz-1 bytes of src[0..n), never ending inside a UTF-8
 * sequence, and terminates. */
void host_name_copy(char *dst, size_t dstsz, const char *src, size_t n);

/* The server's host name from its banner: the first word when it looks like
 * a DNS name; "" otherwise. */
void hm_banner_name(const struct smtp_session *s, char *out, size_t outsz);

#endif
