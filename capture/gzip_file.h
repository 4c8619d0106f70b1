/* gzip_file.h — a read-only FILE* that inflates a gzip stream (RFC 1952,
 * RFC 1951), so libpcap can read compressed captures from a file or a pipe.
 *
 * libpcap only takes a FILE*, so the decompression sits behind glibc's
 * fopencookie: fread on the returned stream yields the decompressed bytes.
 */
#ifndef SMTPSCOPE_GZIP_FILE_H
#define SMTPSCOPE_GZIP_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What the inflating stream knows about itself; owned by the stream and
 * valid until it is closed. */
struct gzf_status {
	uint64_t in_bytes;  /* compressed bytes consumed from the raw stream */
	uint64_t out_bytes; /* decompressed bytes handed to stdio (the position) */
	bool failed;        /* a read failed: corrupt or truncated data, I/O error */
	char error[128];    /* why, e.g. "gzip: unexpected end of compressed data" */
};

/* True if the next two bytes of fp are the gzip magic (0x1f 0x8b).  The bytes
 * are pushed back, not consumed.  *io_error is set on a read error. */
bool gzf_peek_magic(FILE *fp, bool *io_error);

/* Returns a stream yielding the decompressed contents of raw, or NULL with
 * errno set.  Closing the returned stream does not close raw (it may be
 * stdin); the caller closes raw afterwards.  ftell works on the result and
 * gives the decompressed position.  *status (optional) is filled in. */
FILE *gzf_open(FILE *raw, const struct gzf_status **status);

#endif
