/* pcap_reader.h — the records of a classic pcap file read in large blocks
 * instead of two fread(3)s per record (issue 13).
 *
 * libpcap reads a savefile record by record through stdio: a 16-byte
 * header, then the packet, each an fread call whose bookkeeping costs more
 * than decoding a small packet.  For the plain case -- a regular file in
 * this machine's byte order, microsecond time stamps, format 2.4, a link
 * type whose size limit is libpcap's default -- this reader takes over
 * after libpcap has read and checked the file header: it reads the same
 * file in blocks of PRD_BLOCK bytes with pread(2) at its own offset (no
 * stdio buffer in between to copy through) and hands out records in place, with
 * libpcap's rules (pcap-savefile(5); libpcap 1.10 sf-pcap.c) for what a
 * record may hold and libpcap's words when it may not, so that the packets,
 * the truncation point and the error text are the ones libpcap would give.
 * Everything else (swapped or nanosecond files, pcapng, gzip, stdin) stays
 * with libpcap.  tests/unit/test_pcap_reader.c checks both readers agree.
 */
#ifndef SMTPSCOPE_PCAP_READER_H
#define SMTPSCOPE_PCAP_READER_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Bytes read per block: a record never spans more than two (libpcap's
 * largest accepted record is 16 + 262144 bytes). */
#define PRD_BLOCK (1u << 20)

struct pcap_reader {
	int fd;              /* the file's descriptor; not owned */
	uint64_t off;        /* where the next block is read */
	uint8_t *buf;        /* PRD_BLOCK + room for one record carried over */
	size_t size;         /* allocated */
	size_t pos, end;     /* unread bytes: buf[pos, end) */
	bool eof;            /* the file has nothing more */
	bool failed;         /* a read failed (errno in err_no) */
	int err_no;
	uint32_t snapshot;   /* pcap_snapshot(): longer records are cut to it */
	uint8_t *cut;        /* a cut record, assembled (snapshot bytes) */
	char err[PCAP_ERRBUF_SIZE]; /* why prd_next returned -1 */
};

/* True when the file libpcap opened as p (classic pcap, its first four
 * bytes `magic` as stored) is one this reader takes over.  `regular`: fp
 * is a plain regular file (not gzip, not stdin). */
bool prd_applies(pcap_t *p, const uint8_t magic[4], bool regular);

/* Starts reading fp's file at byte `first` (after the file header); false
 * when memory is short (the caller keeps libpcap).  fp itself is not read
 * again. */
bool prd_open(struct pcap_reader *r, pcap_t *p, FILE *fp, uint64_t first);
void prd_close(struct pcap_reader *r);

/* The next record: 1 with *h and *data set (data valid until the next
 * call), 0 at the clean end of the file, -1 with r->err written (libpcap's
 * wording) when the file is truncated or unreadable. */
int prd_next(struct pcap_reader *r, struct pcap_pkthdr *h, const u_char **data);

#endif
