/* flow_idle.c — does a packet continue a connection that went silent past
 * the idle timeout?  Sequence numbers decide (RFC 9293 3.4: a new incarnation
 * of a connection starts with a SYN and, with the clock-driven ISN of 3.4.1,
 * far from where the old one stopped). */
#include "config.h"

#include "decode/flow_idle.h"

/* Within this distance of the expected number counts as the same stream:
 * more than any receive window a sender can have outstanding in practice
 * (16 MB), a 256th of the sequence space. */
#define SEQ_SLACK (16u * 1024 * 1024)

static bool seq_near(uint32_t got, uint32_t want)
{
	return (uint32_t)(got - want + SEQ_SLACK) <= 2 * SEQ_SLACK;
}

bool idle_continues(const struct flow *f, const struct tcp_seg *seg, enum flow_dir dir)
{
	if (seg->flags & TCPF_SYN)
		return false;
	const struct tcp_dir *mine = &f->dir[dir], *peer = &f->dir[1 - dir];
	if (mine->started && !seq_near(seg->seq, mine->next_seq))
		return false;
	if ((seg->flags & TCPF_ACK) && peer->started && !seq_near(seg->ack, peer->next_seq))
		return false;
	return true;
}
