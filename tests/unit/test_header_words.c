/* test_header_words.c — hdr_decode_words (decode/smtp_header.c) on texts
 * without a valid RFC 2047 encoded word: the quick copy (no "=?" at all,
 * issue 13) and the word-by-word loop (a "=?" that starts no word) must both
 * give the text with its trailing blanks dropped, cut to the buffer, and
 * never write past it (a run of blanks reaching the end of the buffer used
 * to write two bytes too far).  One real encoded word as a control. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/smtp_header.h"

/* What a text without encoded words must become. */
static size_t expected(const char *in, size_t n, char *out, size_t outsz)
{
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	if (n > outsz - 1)
		n = outsz - 1;
	memcpy(out, in, n);
	out[n] = '\0';
	return n;
}

static uint32_t rng = 99;
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

int main(void)
{
	char out[64 + 8], want[64];
	int bad = 0;
	for (int round = 0; round < 20000; round++) {
		/* letters, blanks and '=': with "=?" added in half the rounds
		 * ("=?x" is too short to be a word) */
		char in[40];
		size_t n = next() % sizeof in;
		for (size_t i = 0; i < n; i++) {
			static const char alpha[] = "ab \t=";
			in[i] = alpha[next() % 5];
		}
		if (n >= 3 && (round & 1)) {
			size_t at = next() % (n - 2);
			in[at] = '=';
			in[at + 1] = '?';
		}
		size_t outsz = 1 + next() % 48;
		memset(out, 0x5a, sizeof out);
		size_t got = hdr_decode_words(in, n, out, outsz);
		size_t w = expected(in, n, want, outsz);
		bool ok = got == w && memcmp(out, want, w + 1) == 0;
		for (size_t i = outsz; i < sizeof out; i++)
			ok = ok && out[i] == 0x5a; /* nothing past the buffer */
		if (!ok && bad++ < 3)
			fprintf(stderr, "round %d: \"%.*s\" in %zu: got %zu \"%s\", want \"%s\"\n", round,
				(int)n, in, outsz, got, out, want);
	}
	CHECK_EQ_INT(bad, 0);

	/* the blanks reach the end of the buffer, a letter follows */
	memset(out, 0x5a, sizeof out);
	CHECK_EQ_INT(hdr_decode_words("=?x abcd   e", 12, out, 10), 9);
	CHECK_EQ_STR(out, "=?x abcd ");
	CHECK_EQ_INT((unsigned char)out[10], 0x5a);
	CHECK_EQ_INT(hdr_decode_words("abcd   e", 8, out, 6), 5);
	CHECK_EQ_STR(out, "abcd ");

	/* control: a real encoded word is decoded */
	const char *ew = "Re: =?UTF-8?Q?caf=C3=A9?=  ";
	size_t m = hdr_decode_words(ew, strlen(ew), out, sizeof out);
	CHECK_EQ_STR(out, "Re: caf\xc3\xa9");
	CHECK_EQ_INT(m, strlen("Re: caf\xc3\xa9"));
	CHECK_DONE();
}
