/* transcript.h — the dialogue of one session, capped: the first entries and
 * the last entries are kept, the number left out in between is counted.
 *
 * One entry per command line, per complete reply (a multi-line reply is one
 * entry, its lines joined by '\n'), and one per message content (DATA body or
 * BDAT chunks) with its size.  Texts are cut at TR_TEXT_MAX bytes.  The tail
 * is a ring, so memory per session is fixed once allocated.
 */
#ifndef SMTPSCOPE_TRANSCRIPT_H
#define SMTPSCOPE_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TR_TEXT_MAX 240

enum tr_kind {
	TR_COMMAND, /* client line (AUTH credentials already masked) */
	TR_REPLY,   /* server reply: code + text */
	TR_DATA,    /* message content: data_bytes, complete */
	TR_GAP,     /* bytes missing from the capture in this direction */
	TR_TCP,     /* a TCP event: text names it ("fin", "rst", "retransmit_run",
		     * "zero_window"), bytes holds its value */
};

struct tr_entry {
	int64_t ts_us;
	uint64_t bytes;     /* TR_DATA: content bytes so far; TR_GAP: missing bytes */
	uint16_t code;      /* TR_REPLY */
	uint8_t kind;       /* enum tr_kind */
	char dir;           /* 'C' or 'S' */
	bool complete;      /* TR_DATA: end of data seen */
	bool cut;           /* text was longer than TR_TEXT_MAX */
	uint16_t len;
	char text[TR_TEXT_MAX];
};

struct transcript;

struct transcript *tr_new(uint32_t head_max, uint32_t tail_max);
void tr_free(struct transcript *t);
/* Pooled transcripts (smtp_pool.h).  tr_retire releases t from the
 * accounting and keeps the block as a spare; tr_renew makes a new empty
 * transcript out of a spare (or allocates one: spare NULL or of another
 * size), charged like tr_new; tr_free_spare frees a spare. */
void tr_retire(struct transcript *t);
struct transcript *tr_renew(struct transcript *spare, uint32_t head_max, uint32_t tail_max);
void tr_free_spare(struct transcript *t);

/* Appends an entry and returns it for the caller to fill (text via tr_set_text). */
struct tr_entry *tr_add(struct transcript *t, enum tr_kind kind, char dir, int64_t ts_us);
void tr_set_text(struct tr_entry *e, const char *s, size_t n);
void tr_append_text(struct tr_entry *e, const char *sep, const char *s, size_t n);
/* The most recently added entry, or NULL. */
struct tr_entry *tr_last(struct transcript *t);

/* Entries kept, in wire order: index 0 .. tr_kept()-1.  The entries left out
 * sit between index tr_head_count()-1 and tr_head_count(). */
uint32_t tr_kept(const struct transcript *t);
uint32_t tr_head_count(const struct transcript *t);
uint64_t tr_omitted(const struct transcript *t);
const struct tr_entry *tr_get(const struct transcript *t, uint32_t i);

#endif
