/* tui_memory.c — the dashboard's copies charged to the memory account
 * (decode/mem.h), so that --memcap covers them as it covers the decoder's
 * state (issue 13).  The account belongs to the decoder thread: it is
 * brought up to date under the model lock, at each snapshot, from the
 * capacities of the buffers the screens grew since (the host copies are
 * charged as they grow, rules/host_changes.c). */
#include "config.h"

#include "decode/mem.h"
#include "ui/tui/tui_view.h"

static size_t tbl_bytes(const struct tbl *t)
{
	return t->cap * sizeof *t->rows + t->text_cap + t->vis_cap * sizeof *t->vis;
}

static size_t views_bytes(const struct tui *t)
{
	const struct detail_view *dv = &t->dv;
	return tbl_bytes(&t->hv.hosts) + tbl_bytes(&t->hv.doms) + tbl_bytes(&t->sv.tbl) +
	       tbl_bytes(&t->av.tbl) + tbl_bytes(&t->qv.tbl) + tbl_bytes(&t->mv.tbl) +
	       t->sv.cap * sizeof *t->sv.v + t->sv.capmarks * sizeof *t->sv.marks +
	       t->av.cap * sizeof *t->av.v + t->av.caporder * sizeof *t->av.order +
	       t->qv.cap * sizeof *t->qv.v + t->qv.caperr * sizeof *t->qv.err +
	       t->mv.cap * sizeof *t->mv.v + dv->captr * sizeof *dv->tr +
	       dv->captx * sizeof *dv->tx + dv->capal * sizeof *dv->al +
	       dv->caprows * sizeof *dv->rows;
}

void tui_account(struct tui *t)
{
	size_t now = views_bytes(t);
	if (now > t->charged)
		mem_charge(now - t->charged);
	else
		mem_release(t->charged - now);
	t->charged = now;
}

void tui_account_release(struct tui *t)
{
	mem_release(t->charged);
	t->charged = 0;
}
