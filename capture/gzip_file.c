/* gzip_file.c — transparent gzip decompression behind a FILE* (fopencookie).
 *
 * Follows RFC 1952 (gzip members, several concatenated members as gzip(1)
 * writes them) and RFC 1951 (deflate) through zlib.  A stream that stops
 * before the end of a member is an error, not an end of file: a capture cut
 * at a record boundary inside a truncated .gz must still be reported as
 * truncated.
 */
#include "config.h"

#include "capture/gzip_file.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define GZF_INBUF (64 * 1024)
#define GZF_STDIO_BUF (64 * 1024)

struct gzf {
	FILE *raw;
	z_stream zs;
	bool raw_eof;
	bool member_done; /* Z_STREAM_END seen; the next member may follow */
	bool finished;    /* no more data: clean end of the last member */
	struct gzf_status st;
	unsigned char in[GZF_INBUF];
};

bool gzf_peek_magic(FILE *fp, bool *io_error)
{
	*io_error = false;
	int c1 = getc(fp);
	if (c1 == EOF) {
		*io_error = ferror(fp) != 0;
		return false;
	}
	int c2 = getc(fp);
	if (c2 != EOF)
		ungetc(c2, fp);
	else if (ferror(fp))
		*io_error = true;
	/* Both bytes were just read from the stdio buffer, so pushing them
	 * back only moves the read pointer (glibc keeps a backup area if a
	 * refill happened in between). */
	ungetc(c1, fp);
	return c1 == 0x1f && c2 == 0x8b;
}

static ssize_t gzf_fail(struct gzf *g, const char *why)
{
	g->st.failed = true;
	snprintf(g->st.error, sizeof g->st.error, "gzip: %s", why);
	errno = EIO;
	return -1;
}

/* Refills the input buffer; false on a read error. */
static bool gzf_refill(struct gzf *g)
{
	size_t n = fread(g->in, 1, sizeof g->in, g->raw);
	if (n == 0) {
		if (ferror(g->raw))
			return false;
		g->raw_eof = true;
	}
	g->zs.next_in = g->in;
	g->zs.avail_in = (uInt)n;
	g->st.in_bytes += n;
	return true;
}

/* After one member ended: another member follows (gzip(1) concatenation),
 * or the stream is over.  Trailing bytes that are not a gzip header (tape
 * padding, zeros) end the stream quietly, as gzip(1) does. */
static bool gzf_next_member(struct gzf *g)
{
	if (g->zs.avail_in == 0 && !g->raw_eof && !gzf_refill(g))
		return false;
	if (g->zs.avail_in == 0 || g->zs.next_in[0] != 0x1f) {
		g->finished = true;
		return true;
	}
	inflateReset(&g->zs);
	g->member_done = false;
	return true;
}

static ssize_t gzf_read(void *cookie, char *buf, size_t size)
{
	struct gzf *g = cookie;
	if (g->st.failed) {
		errno = EIO;
		return -1;
	}
	if (size > UINT_MAX)
		size = UINT_MAX;
	g->zs.next_out = (Bytef *)buf;
	g->zs.avail_out = (uInt)size;
	/* Return as soon as something was produced and the input buffer is
	 * empty, so a slow pipe is not waited on while output is ready. */
	while (g->zs.avail_out > 0 && !g->finished) {
		size_t produced = size - g->zs.avail_out;
		if (g->member_done) {
			if (!gzf_next_member(g))
				return gzf_fail(g, strerror(errno));
			continue;
		}
		if (g->zs.avail_in == 0) {
			if (produced > 0)
				break;
			if (g->raw_eof)
				return gzf_fail(g, "unexpected end of compressed data");
			if (!gzf_refill(g))
				return gzf_fail(g, strerror(errno));
			if (g->zs.avail_in == 0)
				continue; /* EOF: reported on the next pass */
		}
		int rc = inflate(&g->zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			g->member_done = true;
		else if (rc == Z_NEED_DICT)
			return gzf_fail(g, "dictionary needed");
		else if (rc == Z_DATA_ERROR || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR)
			return gzf_fail(g, g->zs.msg ? g->zs.msg : "corrupt data");
		/* Z_OK and Z_BUF_ERROR (no progress): loop for more input. */
	}
	size_t got = size - g->zs.avail_out;
	g->st.out_bytes += got;
	return (ssize_t)got;
}

/* Only ftell is supported (SEEK_CUR 0, or a no-op SEEK_SET to the current
 * position): libpcap never seeks a savefile it reads sequentially, and
 * stdio derives ftell from this position minus what it has buffered. */
static int gzf_seek(void *cookie, off64_t *off, int whence)
{
	struct gzf *g = cookie;
	if ((whence == SEEK_CUR && *off == 0) ||
	    (whence == SEEK_SET && (uint64_t)*off == g->st.out_bytes)) {
		*off = (off64_t)g->st.out_bytes;
		return 0;
	}
	errno = ESPIPE;
	return -1;
}

static int gzf_close(void *cookie)
{
	struct gzf *g = cookie;
	inflateEnd(&g->zs);
	free(g);
	return 0;
}

FILE *gzf_open(FILE *raw, const struct gzf_status **status)
{
	struct gzf *g = calloc(1, sizeof *g);
	if (!g) {
		errno = ENOMEM;
		return NULL;
	}
	g->raw = raw;
	/* 15 + 32: largest window, and let zlib recognise the gzip header. */
	if (inflateInit2(&g->zs, 15 + 32) != Z_OK) {
		free(g);
		errno = ENOMEM;
		return NULL;
	}
	cookie_io_functions_t io = { .read = gzf_read, .seek = gzf_seek, .close = gzf_close };
	FILE *fp = fopencookie(g, "rb", io);
	if (!fp) {
		gzf_close(g);
		return NULL;
	}
	/* libpcap reads records of a few hundred bytes; a larger stdio buffer
	 * means fewer trips through the cookie. */
	setvbuf(fp, NULL, _IOFBF, GZF_STDIO_BUF);
	if (status)
		*status = &g->st;
	return fp;
}
