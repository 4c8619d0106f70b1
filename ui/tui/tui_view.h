/* tui_view.h — the dashboard's insides, shared by ui/tui*.c only: the state of
 * each screen, the list table they share, keys -> actions -> what to redo
 * (as htop's Action.h), and the drawing primitives.
 *
 * Each screen copies what it shows out of the model under the model lock
 * (snap), then, lock released, turns the copy into rows (build) and draws
 * them (draw).  Nothing here holds the lock while calling curses. */
#ifndef SMTPSCOPE_TUI_VIEW_H
#define SMTPSCOPE_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/addr.h"
#include "rules/host_model.h"
#include "rules/model.h"
#include "rules/session_verdict.h"
#include "rules/units.h"
#include "decode/smtp_session.h"
#include "ui/tui/tui.h"

/* --- what a key asks for (returned by key handlers, or-ed) ------------------ */

#define ACT_NONE 0
#define ACT_REDRAW 1  /* draw again from the rows already built */
#define ACT_REBUILD 2 /* filter and sort the current copy again */
#define ACT_RESNAP 4  /* copy from the model again (screen or target changed) */
#define ACT_QUIT 8
#define ACT_UNHANDLED 16 /* not this screen's key: try the global ones */
#define ACT_RESORT 32 /* sort the rows already built again (a sort key): no rebuild */

/* --- drawing (tui_draw.c) ---------------------------------------------------- */

/* Styles, mapped to colour pairs or to bold/underline/reverse in mono. */
enum tui_style {
	STY_NORMAL, STY_TITLE, STY_COLHEAD, STY_COLSORT, STY_FOOTER, STY_FOOTKEY, STY_DIM,
	STY_GOOD, STY_ACTIVE, STY_WARN, STY_BAD, STY_RST, STY_CLIENT, STY_SERVER, STY_PROMPT,
	STY_MSG, STY_ERROR, STY__COUNT
};
#define STY_SEL 0x100 /* or-ed: the selected row */

struct tui_glyphs {
	bool utf8;
	const char *hline, *vline, *ellipsis, *sort_up, *sort_down, *arrow_r, *arrow_l;
	const char *data_line, *lost, *sep;
	const char *spark[9];  /* 0 = nothing, 1..8 rising */
};

extern struct tui_glyphs tui_g;

/* After initscr: colours (unless mono) and glyphs (UTF-8 unless ascii). */
void draw_init(bool ascii, bool mono);
bool draw_has_colour(void);
/* Writes s at (y, x), at most w columns, an ellipsis when cut; returns the
 * columns used.  s must be clean (from tui_clean or a literal). */
int draw_text(int y, int x, int w, const char *s, int style);
/* The same, but a text too long is cut after its last whole word that
 * leaves at least half of w (a reply text: "please try…", not "please
 * try agai…"). */
int draw_words(int y, int x, int w, const char *s, int style);
/* The same, right-aligned within w. */
int draw_text_right(int y, int x, int w, const char *s, int style);
/* Blanks w columns in a style (a bar). */
void draw_fill(int y, int x, int w, int style);
/* One column per bucket: '.' empty, '1'..'8' good, 'A'..'H' with failures. */
void draw_spark(int y, int x, int w, const char *codes, int selflag);
/* Display columns of clean text. */
int text_width(const char *s);
/* Makes wire text safe to draw: control bytes and invalid UTF-8 become '?',
 * tabs spaces; non-ASCII becomes '?' on ASCII terminals.  Stops at the first
 * '\n' when one_line.  Always terminates out. */
void tui_clean(char *out, size_t outsz, const char *in, size_t inlen, bool one_line);
/* The colour of an alert's severity: critical red, warning yellow. */
int tui_severity_style(enum severity s);
/* Copies src into dst (size n), cut at a character boundary; always terminates. */
void str_copy(char *dst, size_t n, const char *src);

/* --- small words (tui_fmt.c) -------------------------------------------------- */

void fmt_hms(char *out, size_t n, int64_t ts_us);       /* "03:04:05" UTC, "-" if 0 */
void fmt_hms_ms(char *out, size_t n, int64_t ts_us);    /* "03:04:05.123" */
void fmt_datetime(char *out, size_t n, int64_t ts_us);  /* "2026-11-20 03:04:05" */
void fmt_rel(char *out, size_t n, int64_t us);          /* "+0.032" seconds */
void fmt_count(char *out, size_t n, double v);          /* "1.2k" */
const char *role_word(enum host_role r);                /* "out" / "in" */
int status_style(enum host_status s);
int outcome_style(enum smtp_outcome o);
int reply_style(unsigned code);                         /* by RFC 5321 reply class */
/* The remote host of a session for a host entry: which side it matches. */
bool session_matches_host(const struct smtp_session *s, const struct ip_addr *a,
			  enum host_role role);
bool session_matches_domain(const struct smtp_session *s, const char *domain);
uint64_t host_row_id(const struct ip_addr *a, enum host_role role);

/* --- the list table (tui_table.c) ------------------------------------------- */

#define TBL_MAXCOL 18

/* Columns are laid out by priority: each group of equal prio gets its
 * content's width up to fair_w (at least min_w) while it fits; the first
 * group that does not fit and the ones after it are left out; what is left
 * widens the shown columns towards their content, up to max_w. */
struct tbl_col {
	const char *title;
	short min_w, fair_w, max_w; /* min_w 0: a column this table does not use */
	short prio;                 /* 0 first; larger numbers dropped first */
	bool right, numeric, spark;
	bool words;                 /* text cut short at a word's end, not inside one */
};

struct tbl_row {
	uint64_t id;
	uint32_t orig;
	uint32_t cell[TBL_MAXCOL];    /* offsets into text */
	double key[TBL_MAXCOL];
	uint16_t style[TBL_MAXCOL];
};

struct tbl {
	const struct tbl_col *cols;
	int ncol;
	struct tbl_row *rows;
	size_t n, cap;
	char *text;
	size_t text_n, text_cap;
	size_t *vis;                   /* rows shown, filtered and sorted */
	size_t nvis, vis_cap;
	size_t sel, top;
	int sort_col;
	bool sort_desc;
	char filter[128];
	uint64_t sel_id;
	bool have_sel;
	short want[TBL_MAXCOL];        /* widest cell (or title) per column */
	uint32_t shown_mask;           /* columns that fit at the last draw */
	int page;                      /* rows per page at the last draw */
	const char *empty;             /* what to say when there is no row */
};

void tbl_init(struct tbl *t, const struct tbl_col *cols, int ncol, int sort_col, bool desc);
void tbl_free(struct tbl *t);
void tbl_clear(struct tbl *t);
/* Starts a row; cells are then set on it with tbl_cell. */
void tbl_add(struct tbl *t, uint64_t id);
void tbl_cell(struct tbl *t, int col, double key, int style, const char *text);
/* Applies the text filter and the sort, keeps the selected row selected. */
void tbl_finish(struct tbl *t);
void tbl_draw(struct tbl *t, int y, int h, int w);
/* Arrows/jk, PgUp/PgDn, Home/End, '<' '>' sort column, 's' direction. */
int tbl_key(struct tbl *t, int ch);
/* The selected row, or NULL if the list is empty. */
const struct tbl_row *tbl_selected(const struct tbl *t);
const char *tbl_text(const struct tbl *t, const struct tbl_row *r, int col);

/* --- screens ------------------------------------------------------------------ */

enum tui_screen {
	SCR_HOSTS, SCR_SESSIONS, SCR_DETAIL, SCR_ALERTS, SCR_HELP, SCR_QUEUE, SCR_MESSAGES,
	SCR__COUNT
};

struct tui;

struct screen_ops {
	const char *name;
	void (*snap)(struct tui *t);                 /* under the model lock */
	void (*build)(struct tui *t);                /* lock released */
	void (*draw)(struct tui *t, int y, int h, int w);
	int (*key)(struct tui *t, int ch);
	struct tbl *(*table)(struct tui *t);         /* for '/', NULL if none */
	/* 'w': the sessions to write and a default file name (under the lock). */
	size_t (*pcap_ids)(struct tui *t, uint64_t **ids, char *name, size_t namesz);
	/* 'b': the remote host of the selected row for an incident bundle
	 * (under the lock); false when the row is not a host. */
	bool (*bundle_host)(struct tui *t, struct ip_addr *host);
	const char *footer;
};

extern const struct screen_ops hosts_screen, sessions_screen, detail_screen, alerts_screen,
	help_screen, queue_screen, messages_screen;
extern const struct screen_ops *const tui_screens[SCR__COUNT]; /* by enum tui_screen */

/* Hosts and recipient domains. */
struct hosts_view {
	bool domains, unhealthy_only;
	struct tbl hosts, doms;
	/* copies (each with its sparkline counts) of the remote hosts and the
	 * domains, brought up to date with what changed since the last
	 * snapshot (rules/host_changes.h), not copied whole */
	struct hc_mirror h, d;
	uint64_t gw_changes;      /* the gateway decision the host copies were filtered by */
	size_t nh, nd;            /* copies present (hord and dord in use) */
	const struct host_entry **hord, **dord; /* into h and d, worst first (sorted unlocked) */
	size_t caphord, capdord;
	size_t ord_charged;       /* bytes of hord and dord charged to decode/mem.h */
	bool fresh;               /* copied since the last sort */
	int64_t now;
	struct hc_sync_stats last_h, last_d; /* the last snapshot's work, for the lock figures */
};

/* One finished or open session as a list row (a copy). */
struct sess_copy {
	uint64_t id;
	int64_t start, end;
	struct ip_addr client, server;
	uint16_t cport, sport;
	char helo[64], from[96], rcpt[96];
	uint32_t nrcpt, ntxn;
	uint64_t size;
	enum smtp_outcome outcome; /* the worst of its transactions; OUT_OPEN if none */
	uint8_t outcomes;          /* 1 << outcome, for each transaction */
	enum end_reason why;
	enum side end_by;
	enum smtp_state state;
	bool open;
	int64_t last;              /* last packet, for "stalled" */
	uint64_t done_seq;         /* finished: its place in the model's sequence of them */
};

enum sess_target { TGT_ALL, TGT_HOST, TGT_DOMAIN, TGT_IDS };

/* The sessions that carried one message (TGT_IDS): inbound, then the
 * outbound attempts the tracker kept. */
#define SESS_IDS_MAX (1 + MT_ATTEMPTS_MAX + 1)

struct sessions_view {
	enum sess_target target;
	struct ip_addr addr;
	enum host_role role;
	char domain[HOST_NAME_MAX_LEN];
	uint64_t ids[SESS_IDS_MAX];
	size_t nids;
	char title[160];
	int outcome_filter;       /* -1 all, OUT_* , OUT__COUNT = any failure */
	int end_filter;           /* -1 all, END_* */
	struct tbl tbl;
	/* v[first, first + ndone): the finished sessions wanted, copied once
	 * each (a finished session no longer changes), oldest first; then the
	 * open ones, copied again at each snapshot; n is the end of both */
	struct sess_copy *v;
	size_t first, ndone, n, cap;
	uint64_t done_seen;       /* finished sessions looked at so far (model sequence) */
	uint64_t *marks;          /* sessions tagged with space, for 'w' */
	size_t nmarks, capmarks;
};

/* The session on the detail screen, copied. */
struct det_txn {
	int64_t start_ts, data_ts, body_ts, eod_ts, end_ts;
	uint64_t bytes;
	bool complete, has_reply;
	enum smtp_outcome outcome;
	uint32_t nrcpt;
	uint16_t code;
	char from[96], rcpt[96], msgid[96], reply[160];
};

struct det_alert {
	int64_t ts;
	char rule[48], message[200];
	enum severity severity;
	uint64_t count;
};

struct detail_view {
	uint64_t id;
	bool have, gone, transcript, abs_time;
	size_t top;
	size_t nlines;            /* scroll positions at the last draw */
	struct smtp_session s;    /* scalars only: pointers cleared */
	char helo[128], failure[240], server_name[HOST_NAME_MAX_LEN];
	struct tr_entry *tr;
	uint32_t ntr, captr, tr_head;
	uint64_t tr_omitted;
	bool tr_disabled;
	struct det_txn *tx;
	uint32_t ntx, captx;
	struct det_alert *al;
	size_t nal, capal;
	size_t alerts_total;      /* alerts of this session, may exceed nal */
	struct drow *rows;
	size_t caprows;
};

/* One line of the detail screen's scrolling part. */
enum drow_kind {
	DR_ENTRY, DR_OMITTED, DR_SYN, DR_SYNACK, DR_MIDSTREAM, DR_END, DR_BLANK, DR_ALERTHEAD,
	DR_ALERT, DR_NOALERT, DR_NOTRANSCRIPT, DR_TXNHEAD, DR_TXN
};

struct drow {
	uint8_t kind;
	uint16_t sub;             /* raw transcript: the line within a multi-line reply */
	uint32_t idx;             /* transcript entry or alert */
};

/* tui_ladder.c: the rows (ladder or raw transcript) and how each is drawn. */
size_t ladder_rows(const struct detail_view *v, struct drow **rows, size_t *cap);
void ladder_lanes(const struct detail_view *v, int y, int w);
void ladder_draw_row(const struct detail_view *v, const struct drow *r, int y, int w);
/* tui_transcript.c: one line of the raw transcript. */
void transcript_draw_entry(const struct detail_view *v, const struct drow *r, int y, int w);

struct alert_copy {
	uint64_t seq, session_id, count;
	int64_t ts;
	char rule[48], host[ADDR_STRLEN + 8], message[200];
	enum severity severity;
};

struct alerts_view {
	bool flat;                /* every alert, not grouped by rule and host */
	struct tbl tbl;
	struct alert_copy *v;
	size_t n, cap;
	uint64_t seen_total;      /* alerts_total at the last copy */
	size_t *order;            /* grouping scratch */
	size_t caporder;
};

/* The gateway's queue per next-hop domain (tui_queue.c): the figures of
 * rules/queue.h copied under the lock. */
struct queue_copy {
	char domain[MT_DOMAIN_MAX];
	uint32_t queued, never_attempted;
	uint64_t attempts, failed_attempts, delivered;
	int64_t next_retry, next_delay_dsn, next_expiry;
	uint32_t age_bucket[MQ_AGE_BUCKETS];
	struct mq_figures f;
	char last_error[HOST_ERROR_MAX]; /* the recipient domain's, from the host model */
};

/* A recipient domain's last error (host model), to put beside its queue. */
struct dom_error {
	char name[MT_DOMAIN_MAX];
	char text[HOST_ERROR_MAX];
};

struct queue_view {
	bool enabled;             /* false with --no-queue */
	struct tbl tbl;
	struct queue_copy *v;
	size_t n, cap;
	struct dom_error *err;
	size_t nerr, caperr;
	char retry[32];           /* the schedule, for the title */
	int64_t now;
};

/* One message of the tracker as a row (tui_messages.c), copied under the lock. */
struct msg_copy {
	uint64_t seq;
	enum mt_state state;
	int64_t accepted_in, first_seen, delivered;
	uint32_t attempts;        /* outbound attempts, all domains */
	uint32_t nlegs;
	char domains[96];         /* "example.net, example.edu +1" */
	char mail_from[MT_ADDR_MAX], message_id[MT_ID_MAX];
	uint16_t last_code;
	char last_reply[MT_REPLY_MAX + 24];
	int64_t next_retry, expires;
	bool dsn;                 /* a DSN concerned it */
	uint64_t ids[SESS_IDS_MAX];
	size_t nids;              /* the sessions that carried it (inbound first) */
};

struct messages_view {
	bool enabled;
	char domain[MT_DOMAIN_MAX]; /* only the messages with a leg to it; "" all */
	struct tbl tbl;
	struct msg_copy *v;
	size_t n, cap;
	uint64_t live, evicted;   /* tracker figures for the title */
	int64_t now;
};

/* --- the whole dashboard ------------------------------------------------------ */

enum prompt_kind { PROMPT_NONE, PROMPT_FILTER, PROMPT_WRITE, PROMPT_BUNDLE };

struct hdr_copy {
	struct model_stats st;
	int64_t now;              /* capture time to show: last packet or last session */
	size_t alerts;
	uint64_t hosts_failing;
};

struct tui {
	struct model *m;
	const struct tui_options *opt;
	const struct tui_hooks *hooks;
	enum tui_screen stack[8];
	int depth;
	struct hosts_view hv;
	struct sessions_view sv;
	struct detail_view dv;
	struct alerts_view av;
	struct queue_view qv;
	struct messages_view mv;
	size_t help_top;
	struct hdr_copy hdr;
	double pps, mbps;         /* from successive snapshots */
	uint64_t rate_packets, rate_bytes;
	int64_t rate_wall;
	bool replay;              /* a --replay feed (not live, not finished at start) */
	double replay_speed;
	bool paused;
	uint64_t version;
	bool snapped;
	enum prompt_kind prompt;
	struct ip_addr bundle_addr;  /* 'b': the host whose bundle is being named */
	char pbuf[256];
	char pfilter_saved[128];
	uint64_t *wids;           /* the sessions 'w' will write */
	size_t nwids;
	char msg[240];
	bool msg_error;
	int64_t msg_until;
	size_t charged;           /* bytes of the copies charged to decode/mem.h (tui_memory.c) */
	int64_t locked_at;        /* SMTPSCOPE_LOCK_STATS: when the lock was taken */
};

enum tui_screen tui_top(const struct tui *t);
/* In a screen's snap (the model lock held): lets go of the lock for a
 * moment, so that the decoder can run between the steps of a long copy. */
void tui_lock_breathe(struct tui *t);
void tui_push(struct tui *t, enum tui_screen s);
void tui_pop(struct tui *t);
void tui_message(struct tui *t, bool error, const char *text);
int64_t tui_wall_us(void);

/* Entry points between screens (they set the target, then push). */
void sessions_open_host(struct tui *t, const struct ip_addr *a, enum host_role role,
			const char *name);
void sessions_open_domain(struct tui *t, const char *domain);
void detail_open(struct tui *t, uint64_t session_id);
/* The sessions that carried a message (ids: inbound, then outbound attempts). */
void sessions_open_ids(struct tui *t, const uint64_t *ids, size_t n, const char *what);
/* The messages of one next-hop domain, or all of them (domain NULL). */
void messages_open(struct tui *t, const char *domain);
void queue_open(struct tui *t);
void hosts_free(struct hosts_view *v);
void sessions_free(struct sessions_view *v);
void detail_free(struct detail_view *v);
void alerts_free(struct alerts_view *v);
void hosts_init(struct hosts_view *v);
void sessions_init(struct sessions_view *v);
void alerts_init(struct alerts_view *v);
void queue_init(struct queue_view *v);
void queue_free(struct queue_view *v);
void messages_init(struct messages_view *v);
void messages_free(struct messages_view *v);
/* "in 45 s", "in 1d23h", "overdue 4m00s" from now to ts; "-" when ts is 0. */
void fmt_until(char *out, size_t n, int64_t ts, int64_t now);

/* The copies' memory charged to decode/mem.h (tui_memory.c), both under
 * the model lock: brought up to date at each snapshot, released at the end. */
void tui_account(struct tui *t);
void tui_account_release(struct tui *t);

/* Header and footer (tui_frame.c). */
void frame_snap(struct tui *t);   /* under the lock */
void frame_rates(struct tui *t);
void frame_header(struct tui *t, int w);
void frame_footer(struct tui *t, int y, int w);

#endif
