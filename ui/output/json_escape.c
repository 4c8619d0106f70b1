/* json_escape.c — JSON string bodies (RFC 8259 section 7), UTF-8 enforced
 * (RFC 3629).
 *
 * Nearly every string the program writes (host names, addresses, reply
 * texts, the names of states) needs no escaping at all, and most are
 * shorter than 16 bytes.  So the work is finding the first byte that needs
 * care and copying everything before it in wide stores: 16 bytes at a time
 * with SSE2 (every x86-64), 8 at a time elsewhere; a string of 4 to 16
 * bytes is checked and copied as two overlapping halves.  Only the bytes
 * that need escaping or a UTF-8 check go one by one.
 */
#include "config.h"

#include "ui/output/json_escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "decode/utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_SSE2_SCAN 1
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE static inline
#endif

/* Bytes that go out as they are: printable ASCII but the quote and the
 * backslash (one load instead of four compares per byte). */
static const unsigned char plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00: controls */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: '"' at 0x22 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* '\\' at 0x5c */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, /* DEL at 0x7f */
	/* 0x80-0xff: UTF-8, checked */
};

/* Plain bytes from s[i] on, one by one; returns where they stop. */
ALWAYS_INLINE size_t bytewise(char *o, const unsigned char *s, size_t i, size_t n)
{
	while (i < n && plain[s[i]]) {
		o[i] = (char)s[i];
		i++;
	}
	return i;
}

/* ---- the portable scan: 8 bytes in a 64-bit word ------------------------- */

/* Whether any of the 8 bytes in x is not plain (SWAR: "Bit Twiddling Hacks",
 * determine if a word has a byte less than n / equal to n).  Exact as a yes
 * or no, which is all the scan needs. */
ALWAYS_INLINE bool word_needs_care(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7f);
	uint64_t lt20 = (x - ones * 0x20) & ~x;
	uint64_t zq = (q - ones) & ~q, zb = (b - ones) & ~b, zd = (d - ones) & ~d;
	return ((lt20 | zq | zb | zd | x) & highs) != 0;
}

/* The plain bytes at the start of s[0..n) (n > 0) copied to o; returns how
 * many.  May store up to 8 bytes past them (o has the room). */
static inline size_t run_words(char *o, const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t x;
	if (n < 8) {
		if (n >= 4) { /* two overlapping halves in one word */
			uint32_t a, b;
			memcpy(&a, s, 4);
			memcpy(&b, s + n - 4, 4);
			if (!word_needs_care(a | (uint64_t)b << 32)) {
				memcpy(o, &a, 4);
				memcpy(o + n - 4, &b, 4);
				return n;
			}
		}
		return bytewise(o, s, 0, n);
	}
	for (; n - i >= 8; i += 8) {
		memcpy(&x, s + i, 8);
		if (word_needs_care(x))
			return bytewise(o, s, i, n);
		memcpy(o + i, &x, 8);
	}
	if (i == n)
		return n;
	/* The last 8 bytes, overlapping some already copied: when they are
	 * all plain, the rest of the run goes in one store. */
	memcpy(&x, s + n - 8, 8);
	if (!word_needs_care(x)) {
		memcpy(o + n - 8, &x, 8);
		return n;
	}
	return bytewise(o, s, i, n);
}

/* ---- SSE2: 16 bytes, and where the first byte needing care is ------------ */

#ifdef HAVE_SSE2_SCAN
/* Bit k set: byte k of v needs care.  A signed compare with 0x20 finds the
 * control bytes and every byte from 0x80 up at once. */
ALWAYS_INLINE unsigned care_mask(__m128i v)
{
	__m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
	__m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
	__m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
	__m128i d = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(low, q), _mm_or_si128(b, d)));
}

ALWAYS_INLINE size_t first_bit(unsigned m)
{
	return (size_t)__builtin_ctz(m);
}

/* As run_words, 16 bytes at a time; may store up to 16 bytes past the run. */
static inline size_t run_sse2(char *o, const unsigned char *s, size_t n)
{
	size_t i = 0;
	unsigned m;
	if (n < 16) {
		if (n < 4)
			return bytewise(o, s, 0, n);
		/* two overlapping halves: 8+8 bytes, or 4+4 */
		__m128i v;
		size_t half = n >= 8 ? 8 : 4, second = n - half;
		if (half == 8) {
			uint64_t a, b;
			memcpy(&a, s, 8);
			memcpy(&b, s + second, 8);
			v = _mm_set_epi64x((long long)b, (long long)a);
			m = care_mask(v);
			memcpy(o, &a, 8);
			memcpy(o + second, &b, 8);
		} else {
			uint32_t a, b;
			memcpy(&a, s, 4);
			memcpy(&b, s + second, 4);
			v = _mm_set_epi32(0, 0, (int)b, (int)a);
			m = care_mask(v) & 0xff;
			memcpy(o, &a, 4);
			memcpy(o + second, &b, 4);
		}
		if (!m)
			return n;
		/* the first half holds the first byte needing care, or else
		 * the second one does (the first is plain, so is its overlap) */
		unsigned first = m & ((1u << half) - 1);
		return first ? first_bit(first) : second + first_bit(m >> half);
	}
	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		_mm_storeu_si128((__m128i *)(void *)(o + i), v);
		m = care_mask(v);
		if (m)
			return i + first_bit(m);
	}
	if (i == n)
		return n;
	/* the last 16 bytes, overlapping plain ones already copied */
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
	_mm_storeu_si128((__m128i *)(void *)(o + n - 16), v);
	m = care_mask(v);
	return m ? n - 16 + first_bit(m) : n;
}
#endif

/* ---- the bytes that need care -------------------------------------------- */

static const char hex[] = "0123456789abcdef";

/* The escaped form of a byte that is not plain and does not start a valid
 * UTF-8 sequence, at o (at most 6 bytes); returns the end.  Bytes from 0x80
 * up that start no valid sequence become U+FFFD. */
static char *escape_byte(char *o, unsigned char c)
{
	switch (c) {
	case '"': memcpy(o, "\\\"", 2); return o + 2;
	case '\\': memcpy(o, "\\\\", 2); return o + 2;
	case '\n': memcpy(o, "\\n", 2); return o + 2;
	case '\r': memcpy(o, "\\r", 2); return o + 2;
	case '\t': memcpy(o, "\\t", 2); return o + 2;
	default: break;
	}
	if (c < 0x20 || c == 0x7f) {
		char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
		memcpy(o, u, sizeof u);
	} else {
		memcpy(o, "\\ufffd", 6);
	}
	return o + 6;
}

/* The loop around a run finder: a run of plain bytes, then the byte that
 * ended it, until n bytes are consumed. */
ALWAYS_INLINE char *escape_with(size_t (*run)(char *, const unsigned char *, size_t), char *o,
				const unsigned char *s, size_t n, size_t avail, size_t *used)
{
	size_t i = 0;
	while (i < n) {
		size_t k = run(o, s + i, n - i);
		o += k;
		i += k;
		if (i >= n)
			break;
		unsigned char c = s[i];
		uint32_t cp;
		size_t len = c >= 0x80 ? utf8_decode(s + i, avail - i, &cp) : 0;
		if (len) { /* a valid multi-byte character goes out as it is */
			memcpy(o, s + i, len);
			o += len;
			i += len;
		} else {
			o = escape_byte(o, c);
			i++;
		}
	}
	*used = i;
	return o;
}

char *jw_escape_portable(char *o, const unsigned char *s, size_t n, size_t avail, size_t *used)
{
	return escape_with(run_words, o, s, n, avail, used);
}

char *jw_escape(char *o, const unsigned char *s, size_t n, size_t avail, size_t *used)
{
#ifdef HAVE_SSE2_SCAN
	return escape_with(run_sse2, o, s, n, avail, used);
#else
	return escape_with(run_words, o, s, n, avail, used);
#endif
}
