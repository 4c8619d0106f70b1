/* decoder_lock.c — the model lock held across a batch of packets by the
 * decoder thread, handed to the dashboard at the next packet when it asks.
 *
 * Taking the lock per packet cost two atomic operations and, under
 * contention, a futex call per packet; the dashboard only needs the lock
 * a few times a second.  The reader announces itself (model_lock counts
 * the threads waiting), the decoder lets go at its next packet and waits
 * until the reader got the lock before it takes it again: a mutex is not
 * fair, and a decoder that unlocks and locks again at once would keep the
 * dashboard waiting for many packets. */
#include "config.h"

#include "ui/decoder_lock.h"

#include <sched.h>
#include <time.h>

#include "rules/lock_hist.h"
#include "ui/app.h"

static void take(struct app *a)
{
	struct model *m = a->model;
	if (!model_lock_wanted(m) && pthread_mutex_trylock(&m->lock) == 0)
		return; /* nobody else: no wait to count */
	int64_t t0 = m->wait_hist ? lock_hist_now_us() : 0;
	/* let the reader in first: a few yields, then short sleeps, so that a
	 * reader not yet scheduled (a busy machine) is not starved of the CPU
	 * by this loop */
	for (unsigned spins = 0; model_lock_wanted(m); spins++) {
		if (spins < 64) {
			sched_yield();
		} else {
			struct timespec nap = { 0, 50000 };
			nanosleep(&nap, NULL);
		}
	}
	model_lock(m);
	if (m->wait_hist)
		lock_hist_add(m->wait_hist, lock_hist_now_us() - t0);
}

void app_batch_packet(struct app *a)
{
	if (a->batch_held) {
		if (++a->batch_packets < DECODER_BATCH_MAX && !model_lock_wanted(a->model))
			return;
		model_unlock(a->model);
		a->batch_held = false;
	}
	take(a);
	a->batch_held = true;
	a->batch_packets = 0;
}

void app_batch_end(struct app *a)
{
	if (!a->batch_held)
		return;
	a->batch_held = false;
	model_unlock(a->model);
}

void app_lock(struct app *a)
{
	if (a->locked && !a->batch_held)
		take(a);
}

void app_unlock(struct app *a)
{
	if (a->locked && !a->batch_held)
		model_unlock(a->model);
}
