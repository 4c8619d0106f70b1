/* decoder_lock.h — the decoder's side of the model lock beside the
 * dashboard (issue 13): the lock is taken once for a batch of packets,
 * not per packet, and handed over as soon as the dashboard asks for it. */
#ifndef SMTPSCOPE_DECODER_LOCK_H
#define SMTPSCOPE_DECODER_LOCK_H

struct app;

/* Most packets decoded under one taking of the lock; a tick (every
 * pcap_dispatch batch of a file, every poll round live) ends a batch
 * sooner, and so does a reader waiting for the lock. */
#define DECODER_BATCH_MAX 1024

/* Before a packet, with a->locked: holds the model lock for the batch
 * (taken at its first packet; let go and taken again when a reader waits
 * or DECODER_BATCH_MAX packets went by).  The caller decodes under it. */
void app_batch_packet(struct app *a);
/* Lets go of a batch's lock (the tick; before --replay waits; the end of
 * the capture).  Nothing when no batch holds it. */
void app_batch_end(struct app *a);

/* The decoder thread's other uses of the lock (progress, the tick, the
 * gateway's first pass): taken and let go as usual, or nothing when this
 * thread's batch already holds it.  Nothing without a->locked. */
void app_lock(struct app *a);
void app_unlock(struct app *a);

#endif
