/* evidence.h — -w DIR: the packets of every session an alert flags, written
 * to a pcap per remote host and UTC day, including the packets from before
 * the alert (a bounded buffer per session), so a mail engineer can hand the
 * file to the remote side's admins.  doc/evidence.md has the choices. */
#ifndef SMTPSCOPE_EVIDENCE_H
#define SMTPSCOPE_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


/* What is kept of a session before an alert flags it: its first frames
 * (the handshake, banner, envelope) and its latest ones (what led to the
 * alert), within a byte cap. */
#define EV_HEAD_FRAMES 32
#define EV_TAIL_FRAMES 256
#define EV_HEAD_BYTES (256u * 1024)
#define EV_SESSION_BYTES (1024u * 1024)

struct evidence_config {
	const char *dir;
	int linktype;      /* the capture's, for the file headers */
	int snaplen;
	size_t budget;     /* bytes for all buffers together (a share of --memcap) */
	bool keep_ended;   /* keep the buffers of ended sessions (oldest evicted first)
			    * so the dashboard's 'w' can write them live; dir may be NULL */
};

struct evidence_stats {
	uint64_t sessions_flagged;
	uint64_t packets_written;
	uint64_t files;             /* distinct files written to */
	uint64_t buffers_evicted;   /* session buffers dropped to stay within the budget */
	uint64_t packets_not_kept;  /* frames a flagged session lost: evicted or over its cap */
	uint64_t write_errors;
};

struct evidence;

/* Creates DIR when it does not exist (one level, mode 0750: the files hold
 * message content) and checks that it is a writable directory.  NULL with a
 * one-line reason naming DIR on failure. */
struct evidence *evidence_open(const struct evidence_config *c, char *err, size_t errlen);

/* Every captured frame of a tracked session (the decoder's packet hook):
 * buffered, or written at once when the session is flagged. */
void evidence_packet(struct evidence *ev, uint64_t session_id, int64_t ts_us,
		     const uint8_t *frame, uint32_t caplen, uint32_t wirelen);

/* An alert named this session: its buffered frames go to the file of
 * `host` (the alert's remote host, as the caller names it; NULL: a file
 * named "unknown-host") for the alert's UTC day, and its later frames follow
 * as they come.  A session already flagged is left as it is, so no frame is
 * written twice. */
void evidence_alert(struct evidence *ev, uint64_t session_id, const char *host, int64_t ts_us);

/* The session is over: its buffer (if never flagged) is dropped. */
void evidence_session_end(struct evidence *ev, uint64_t session_id);

/* The dashboard's 'w' on a live capture: writes the buffered frames of the
 * sessions to a new pcap at `path`.  Frames, or -1 with a reason. */
long evidence_export(struct evidence *ev, const uint64_t *ids, size_t n, const char *path,
		     int linktype, int snaplen, char *err, size_t errlen);

/* Live: push what was written to disk (from the timer tick). */
void evidence_flush(struct evidence *ev);

/* Bytes held: buffered frames, the session table and the file list.  The
 * evidence writer keeps to its own budget (evidence_config.budget); the
 * caller adds this to the memory it reports. */
size_t evidence_memory(const struct evidence *ev);
/* Its high-water mark. */
size_t evidence_memory_peak(const struct evidence *ev);

void evidence_get_stats(const struct evidence *ev, struct evidence_stats *st);

/* Flushes, closes and frees; false if any evidence write failed. */
bool evidence_close(struct evidence *ev);

#endif
