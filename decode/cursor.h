/* cursor.h — the one bounds-checked reader for packet bytes.
 *
 * Every read or skip checks the remaining length first and fails closed:
 * on a short buffer it returns false and leaves the cursor where it was, so a
 * caller never subtracts a length it has not tested.  Multi-byte reads are
 * explicit big-endian (network order) or little-endian; packet memory is
 * never overlaid with host structs.
 *
 * Fixed-size headers are read with one check for the whole header
 * (cur_take/cur_peek), then decoded from the returned pointer with the
 * load_* helpers: a check per field costs more than the decode itself on
 * a stream of small packets (issue 13).  The pointer is only ever indexed
 * below the n that was checked.
 */
#ifndef SMTPSCOPE_CURSOR_H
#define SMTPSCOPE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *base;
	size_t len;
	size_t off;
};

static inline void cur_init(struct cursor *c, const uint8_t *p, size_t len)
{
	c->base = p;
	c->len = len;
	c->off = 0;
}

static inline size_t cur_left(const struct cursor *c)
{
	return c->len - c->off;
}

static inline const uint8_t *cur_ptr(const struct cursor *c)
{
	return c->base + c->off;
}

static inline bool cur_has(const struct cursor *c, size_t n)
{
	return n <= c->len - c->off;
}

static inline bool cur_skip(struct cursor *c, size_t n)
{
	if (!cur_has(c, n))
		return false;
	c->off += n;
	return true;
}

static inline bool cur_u8(struct cursor *c, uint8_t *v)
{
	if (!cur_has(c, 1))
		return false;
	*v = c->base[c->off];
	c->off += 1;
	return true;
}

static inline bool cur_be16(struct cursor *c, uint16_t *v)
{
	if (!cur_has(c, 2))
		return false;
	const uint8_t *p = c->base + c->off;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	c->off += 2;
	return true;
}

static inline bool cur_be32(struct cursor *c, uint32_t *v)
{
	if (!cur_has(c, 4))
		return false;
	const uint8_t *p = c->base + c->off;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	c->off += 4;
	return true;
}

static inline bool cur_le32(struct cursor *c, uint32_t *v)
{
	if (!cur_has(c, 4))
		return false;
	const uint8_t *p = c->base + c->off;
	*v = ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
	c->off += 4;
	return true;
}

/* Copies n bytes out; fails without copying when fewer are left. */
static inline bool cur_copy(struct cursor *c, void *dst, size_t n)
{
	if (!cur_has(c, n))
		return false;
	for (size_t i = 0; i < n; i++)
		((uint8_t *)dst)[i] = c->base[c->off + i];
	c->off += n;
	return true;
}

/* The next n bytes, checked once: a pointer the caller may read n bytes
 * from, the cursor moved past them; NULL (cursor unchanged) when fewer are
 * left. */
static inline const uint8_t *cur_take(struct cursor *c, size_t n)
{
	if (!cur_has(c, n))
		return NULL;
	const uint8_t *p = c->base + c->off;
	c->off += n;
	return p;
}

/* As cur_take, without moving the cursor. */
static inline const uint8_t *cur_peek(const struct cursor *c, size_t n)
{
	return cur_has(c, n) ? c->base + c->off : NULL;
}

/* Network-order loads from a pointer that cur_take/cur_peek vouched for. */
static inline uint16_t load_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* A sub-cursor over the next n bytes (the caller's cursor advances past them). */
static inline bool cur_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	if (!cur_has(c, n))
		return false;
	cur_init(sub, c->base + c->off, n);
	c->off += n;
	return true;
}

/* Shrinks the readable window to n bytes from the current offset (e.g. to the
 * IP total length, dropping Ethernet padding).  Fails if n exceeds what is left. */
static inline bool cur_limit(struct cursor *c, size_t n)
{
	if (!cur_has(c, n))
		return false;
	c->len = c->off + n;
	return true;
}

#endif
