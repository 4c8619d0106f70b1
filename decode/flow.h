/* flow.h — the TCP flow table: 5-tuple (+ VLAN) -> flow, with an LRU list.
 *
 * Both directions of a connection map to the same flow: the key stores the
 * two endpoints in canonical (sorted) order.  Flows come from a free list
 * refilled in slabs, so a new connection does not cost a malloc each time
 * and packets of known flows never allocate.  The LRU list (least recently
 * seen first) lets the decoder expire idle flows by capture time and evict
 * the oldest ones when the memory cap is reached, both in O(1) per flow;
 * flows past the idle timeout wait on a second list (parked) in case the
 * connection comes back (flow_idle.h).
 */
#ifndef SMTPSCOPE_FLOW_H
#define SMTPSCOPE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/addr.h"
#include "decode/packet.h"
#include "decode/tcp_reasm.h"

struct smtp_session;
struct fc_flow;

struct flow_key {
	struct ip_addr addr[2]; /* canonical order: (addr[0],port[0]) < (addr[1],port[1]) */
	uint16_t port[2];
	uint32_t vlan;
};

enum flow_dir { DIR_C2S = 0, DIR_S2C = 1 };

struct flow {
	struct flow_key key;
	uint32_t hash;
	struct flow *hnext;               /* hash chain */
	struct flow *lru_prev, *lru_next; /* LRU list, oldest first */

	uint8_t client_ep;   /* key endpoint (0/1) that is the client */
	bool closed;         /* the session was reported; late packets are only counted */
	bool parked;         /* silent past the idle timeout: on the parked list */
	int64_t first_ts, last_ts;

	struct tcp_dir dir[2];           /* [DIR_C2S], [DIR_S2C] */
	struct smtp_session *session;    /* owned; NULL once reported */

	/* Protocol classification (flow_class.c); all zero when nDPI is off. */
	struct fc_flow *cls;             /* under way: nDPI state, held frames; owned */
	bool classified;                 /* the verdict is in: nDPI sees no more packets */
	uint8_t dpi_class;               /* nDPI's verdict (enum dpi_class), once classified */
	bool pending;                    /* --any-port: no session yet, frames held */
	bool ignored;                    /* --any-port: not SMTP; packets only counted */
};

struct flow_list {
	struct flow *head, *tail;
};

struct flow_table;

struct flow_table *ft_new(void);
void ft_free(struct flow_table *ft);   /* frees every flow (not their sessions) */

/* Finds the flow of a segment; NULL if none.  *ep is set to the key endpoint
 * (0/1) that sent the segment. */
struct flow *ft_lookup(struct flow_table *ft, const struct tcp_seg *seg, int *ep);

/* Creates the flow of a segment (none must exist): zeroed, key set, hashed,
 * at the LRU tail, reasm_init'ed on both directions.  *ep as in ft_lookup. */
struct flow *ft_insert(struct flow_table *ft, const struct tcp_seg *seg, int *ep);

/* Removes a flow from the table and returns it to the free list. */
void ft_remove(struct flow_table *ft, struct flow *f);

/* Marks a flow as just seen: moves it to the LRU tail (off the parked list). */
void ft_touch(struct flow_table *ft, struct flow *f, int64_t ts_us);

/* Moves a flow that went silent past the idle timeout from the LRU list to
 * the tail of the parked list; it stays findable by ft_lookup. */
void ft_park(struct flow_table *ft, struct flow *f);

/* The least recently seen flow that is not parked, or NULL when none. */
struct flow *ft_oldest(const struct flow_table *ft);
/* The parked flow that went silent first, or NULL when none. */
struct flow *ft_oldest_parked(const struct flow_table *ft);

size_t ft_count(const struct flow_table *ft);

/* Direction of a segment within its flow, from the endpoint that sent it. */
static inline enum flow_dir flow_dir_of(const struct flow *f, int ep)
{
	return ep == f->client_ep ? DIR_C2S : DIR_S2C;
}

#endif
