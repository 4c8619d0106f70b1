/* test_cursor.c — every cursor reader at its exact boundary: a read that
 * fits succeeds, one byte short fails and leaves the cursor where it was.
 * Buffers are heap blocks of the exact size so ASan sees any overread. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/cursor.h"

static uint8_t *dup_bytes(const uint8_t *src, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	if (!p)
		abort();
	if (n)
		memcpy(p, src, n);
	return p;
}

static const uint8_t seq8[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

static void test_empty(void)
{
	uint8_t *p = dup_bytes(seq8, 0);
	struct cursor c;
	uint8_t v8 = 0xaa;
	uint16_t v16 = 0xaaaa;
	uint32_t v32 = 0xaaaaaaaa;
	cur_init(&c, p, 0);
	CHECK_EQ_INT(cur_left(&c), 0);
	CHECK(cur_has(&c, 0));
	CHECK(!cur_has(&c, 1));
	CHECK(!cur_u8(&c, &v8));
	CHECK(!cur_be16(&c, &v16));
	CHECK(!cur_be32(&c, &v32));
	CHECK(!cur_le32(&c, &v32));
	CHECK(cur_skip(&c, 0));
	CHECK(!cur_skip(&c, 1));
	CHECK_EQ_INT(v8, 0xaa);
	CHECK_EQ_INT(v16, 0xaaaa);
	CHECK_EQ_INT(v32, 0xaaaaaaaa);
	CHECK_EQ_INT(c.off, 0);
	free(p);
}

static void test_u8(void)
{
	uint8_t *p = dup_bytes(seq8, 1);
	struct cursor c;
	uint8_t v = 0;
	cur_init(&c, p, 1);
	CHECK(cur_u8(&c, &v));
	CHECK_EQ_INT(v, 0x01);
	CHECK_EQ_INT(c.off, 1);
	CHECK(!cur_u8(&c, &v));
	CHECK_EQ_INT(c.off, 1);
	CHECK_EQ_INT(v, 0x01);
	free(p);
}

static void test_be16(void)
{
	for (size_t n = 0; n <= 3; n++) {
		uint8_t *p = dup_bytes(seq8, n);
		struct cursor c;
		uint16_t v = 0xbeef;
		cur_init(&c, p, n);
		bool ok = cur_be16(&c, &v);
		CHECK_EQ_INT(ok, n >= 2);
		CHECK_EQ_INT(c.off, ok ? 2 : 0);
		CHECK_EQ_INT(v, ok ? 0x0102 : 0xbeef);
		free(p);
	}
}

static void test_be32_le32(void)
{
	for (size_t n = 0; n <= 5; n++) {
		uint8_t *p = dup_bytes(seq8, n);
		struct cursor c;
		uint32_t v = 0xdeadbeef;
		cur_init(&c, p, n);
		bool ok = cur_be32(&c, &v);
		CHECK_EQ_INT(ok, n >= 4);
		CHECK_EQ_INT(c.off, ok ? 4 : 0);
		CHECK_EQ_INT(v, ok ? 0x01020304 : 0xdeadbeef);

		v = 0xdeadbeef;
		cur_init(&c, p, n);
		ok = cur_le32(&c, &v);
		CHECK_EQ_INT(ok, n >= 4);
		CHECK_EQ_INT(c.off, ok ? 4 : 0);
		CHECK_EQ_INT(v, ok ? 0x04030201 : 0xdeadbeef);
		free(p);
	}
}

/* A read that straddles the end after some bytes were consumed. */
static void test_after_offset(void)
{
	uint8_t *p = dup_bytes(seq8, 5);
	struct cursor c;
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	cur_init(&c, p, 5);
	CHECK(cur_skip(&c, 2));
	CHECK(!cur_be32(&c, &v32));
	CHECK_EQ_INT(c.off, 2);
	CHECK(cur_be16(&c, &v16));
	CHECK_EQ_INT(v16, 0x0304);
	CHECK(!cur_be16(&c, &v16));
	CHECK_EQ_INT(c.off, 4);
	CHECK_EQ_INT(cur_left(&c), 1);
	CHECK(cur_ptr(&c) == p + 4);
	free(p);
}

static void test_skip(void)
{
	uint8_t *p = dup_bytes(seq8, 8);
	struct cursor c;
	cur_init(&c, p, 8);
	CHECK(!cur_skip(&c, 9));
	CHECK_EQ_INT(c.off, 0);
	CHECK(!cur_skip(&c, SIZE_MAX)); /* no wrap-around */
	CHECK_EQ_INT(c.off, 0);
	CHECK(cur_skip(&c, 8));
	CHECK_EQ_INT(cur_left(&c), 0);
	CHECK(!cur_skip(&c, 1));
	CHECK_EQ_INT(c.off, 8);
	free(p);
}

static void test_copy(void)
{
	uint8_t *p = dup_bytes(seq8, 6);
	struct cursor c;
	uint8_t out[8];
	memset(out, 0xee, sizeof out);
	cur_init(&c, p, 6);
	CHECK(!cur_copy(&c, out, 7));
	CHECK_EQ_INT(c.off, 0);
	CHECK_EQ_INT(out[0], 0xee); /* nothing copied on failure */
	CHECK(cur_copy(&c, out, 6));
	CHECK(memcmp(out, seq8, 6) == 0);
	CHECK_EQ_INT(out[6], 0xee);
	CHECK_EQ_INT(c.off, 6);
	CHECK(cur_copy(&c, out, 0));
	free(p);
}

static void test_sub(void)
{
	uint8_t *p = dup_bytes(seq8, 8);
	struct cursor c, s;
	uint32_t v = 0;
	cur_init(&c, p, 8);
	CHECK(cur_skip(&c, 2));
	CHECK(!cur_sub(&c, 7, &s));
	CHECK_EQ_INT(c.off, 2);
	CHECK(cur_sub(&c, 4, &s));
	CHECK_EQ_INT(c.off, 6);
	CHECK_EQ_INT(cur_left(&s), 4);
	CHECK_EQ_INT(s.off, 0);
	CHECK(cur_be32(&s, &v));
	CHECK_EQ_INT(v, 0x03040506);
	CHECK(!cur_skip(&s, 1)); /* the sub-cursor ends where it was cut */
	CHECK(cur_sub(&c, 2, &s)); /* exactly the rest */
	CHECK_EQ_INT(cur_left(&c), 0);
	CHECK(cur_sub(&c, 0, &s));
	CHECK_EQ_INT(cur_left(&s), 0);
	free(p);
}

static void test_limit(void)
{
	uint8_t *p = dup_bytes(seq8, 8);
	struct cursor c;
	uint16_t v = 0;
	cur_init(&c, p, 8);
	CHECK(cur_skip(&c, 2));
	CHECK(!cur_limit(&c, 7));
	CHECK_EQ_INT(c.len, 8);
	CHECK(cur_limit(&c, 3));
	CHECK_EQ_INT(cur_left(&c), 3);
	CHECK(cur_be16(&c, &v));
	CHECK_EQ_INT(v, 0x0304);
	CHECK(!cur_be16(&c, &v)); /* 1 byte left in the window, 3 in memory */
	CHECK_EQ_INT(c.off, 4);
	CHECK(cur_limit(&c, 1));
	CHECK(cur_limit(&c, 0));
	CHECK_EQ_INT(cur_left(&c), 0);
	CHECK(!cur_limit(&c, 1)); /* a limit never grows the window */
	free(p);
}

int main(void)
{
	test_empty();
	test_u8();
	test_be16();
	test_be32_le32();
	test_after_offset();
	test_skip();
	test_copy();
	test_sub();
	test_limit();
	CHECK_DONE();
}
