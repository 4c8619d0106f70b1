/* test_lines.c — line splitter: zero-copy lines, lines across chunks, CR/LF
 * split between chunks, the cap, bare LF, resynchronisation. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/smtp_lines.h"

/* Feeds `in` in chunks of `step` bytes; collects lines joined by '|'. */
static void split(const char *in, size_t step, uint32_t cap, char *out, size_t outsz, int *bare, int *cut)
{
	struct line_splitter ls;
	lines_init(&ls, cap);
	size_t n = strlen(in), off = 0;
	out[0] = '\0';
	*bare = *cut = 0;
	while (off < n) {
		size_t chunk = n - off < step ? n - off : step;
		const uint8_t *p = (const uint8_t *)in + off;
		size_t left = chunk;
		while (left) {
			struct line l;
			bool done;
			size_t used = lines_take(&ls, p, left, &l, &done);
			if (done) {
				strncat(out, l.s, l.len < outsz - strlen(out) - 2 ? l.len : 0);
				strcat(out, "|");
				*bare += l.bare_lf;
				*cut += l.cut;
			}
			p += used;
			left -= used;
		}
		off += chunk;
	}
	lines_free(&ls);
}

static void test_zero_copy(void)
{
	struct line_splitter ls;
	lines_init(&ls, 512);
	const uint8_t in[] = "EHLO a\r\nMAIL FROM:<x>\r\n";
	struct line l;
	bool done;
	size_t used = lines_take(&ls, in, sizeof in - 1, &l, &done);
	CHECK(done);
	CHECK_EQ_INT(used, 8);
	CHECK(l.s == (const char *)in); /* handed out in place */
	CHECK_EQ_INT(l.len, 6);
	CHECK(!l.bare_lf);
	CHECK(ls.buf == NULL); /* nothing buffered */
	lines_free(&ls);
}

static void test_chunking(void)
{
	const char *in = "250-mx.example.net\r\n250-PIPELINING\r\n250 SIZE 1000\r\nbare\nend\r\n";
	char expect[256], got[256];
	int bare, cut;
	split(in, 4096, 512, expect, sizeof expect, &bare, &cut);
	CHECK_EQ_STR(expect, "250-mx.example.net|250-PIPELINING|250 SIZE 1000|bare|end|");
	CHECK_EQ_INT(bare, 1);
	for (size_t step = 1; step < 20; step++) {
		split(in, step, 512, got, sizeof got, &bare, &cut);
		CHECK_EQ_STR(got, expect);
		CHECK_EQ_INT(bare, 1);
		CHECK_EQ_INT(cut, 0);
	}
}

static void test_cr_inside_line(void)
{
	char got[128];
	int bare, cut;
	/* a CR not followed by LF is data; "\r\r\n" keeps one CR */
	split("a\rb\r\nc\r\r\n", 1, 64, got, sizeof got, &bare, &cut);
	CHECK_EQ_STR(got, "a\rb|c\r|");
	split("a\rb\r\nc\r\r\n", 64, 64, got, sizeof got, &bare, &cut);
	CHECK_EQ_STR(got, "a\rb|c\r|");
}

static void test_cap(void)
{
	size_t big = 10 * 1024 * 1024;
	char *in = malloc(big + 8);
	memset(in, 'A', big);
	strcpy(in + big, "\r\nok\r\n");
	char got[64];
	int bare, cut;
	struct line_splitter ls;
	/* in one piece: cut, never copied */
	split(in, big + 8, 16, got, sizeof got, &bare, &cut);
	CHECK_EQ_INT(cut, 1);
	CHECK_EQ_STR(got, "AAAAAAAAAAAAAAAA|ok|");
	/* in 1400-byte segments: buffered up to the cap only */
	split(in, 1400, 16, got, sizeof got, &bare, &cut);
	CHECK_EQ_INT(cut, 1);
	CHECK_EQ_STR(got, "AAAAAAAAAAAAAAAA|ok|");
	lines_init(&ls, 16);
	struct line l;
	bool done;
	lines_take(&ls, (const uint8_t *)in, 1000, &l, &done);
	CHECK(!done);
	CHECK_EQ_INT(ls.len, 16);
	lines_free(&ls);
	free(in);
}

static void test_resync(void)
{
	struct line_splitter ls;
	lines_init(&ls, 64);
	struct line l;
	bool done;
	const uint8_t a[] = "PARTIAL LI";
	lines_take(&ls, a, sizeof a - 1, &l, &done);
	CHECK(!done && lines_pending(&ls));
	lines_reset(&ls, true); /* a gap: the rest of this line is unreliable */
	const uint8_t b[] = "NE TAIL\r\nQUIT\r\n";
	size_t used = lines_take(&ls, b, sizeof b - 1, &l, &done);
	CHECK(!done);
	CHECK_EQ_INT(used, 9);
	used = lines_take(&ls, b + 9, sizeof b - 1 - 9, &l, &done);
	CHECK(done);
	CHECK_EQ_INT(l.len, 4);
	CHECK(memcmp(l.s, "QUIT", 4) == 0);
	lines_free(&ls);
}

int main(void)
{
	test_zero_copy();
	test_chunking();
	test_cr_inside_line();
	test_cap();
	test_resync();
	CHECK_DONE();
}
