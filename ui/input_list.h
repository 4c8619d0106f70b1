/* input_list.h — the -r and -i arguments of one run: several files (a
 * rotated ring, read as one capture merged by time) or several interfaces;
 * a quoted -r 'ring*.pcap' expanded here with glob(3), sorted, as
 * tcpdump users give a file list. */
#ifndef SMTPSCOPE_INPUT_LIST_H
#define SMTPSCOPE_INPUT_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "capture/capture.h"

struct input_list {
	const char *files[CAP_MAX_INPUTS];  /* -r in order, patterns expanded */
	size_t nfiles;
	const char *ifaces[CAP_MAX_INPUTS]; /* -i in order */
	size_t nifaces;
	char *owned[CAP_MAX_INPUTS];        /* the paths glob(3) found: ours */
	size_t nowned;
};

/* -r ARG: a pattern (*, ? or [ in it, and no file of that very name) adds
 * the files it matches, sorted; one matching nothing is kept as given, so
 * opening it fails naming it.  false with a message on stderr when too many. */
bool input_add_file(struct input_list *in, const char *arg);
/* -i ARG */
bool input_add_iface(struct input_list *in, const char *arg);
/* Points cap's file/files (or iface/ifaces) at the list. */
void input_apply(const struct input_list *in, struct cap_options *cap);
void input_free(struct input_list *in);

/* For a narrow line (the dashboard's header): cap_describe for one input;
 * several: "3 files: ring-0.pcap, ring-1.pcap, ring-2.pcap" (file names
 * without their folders) or "2 interfaces: eth0, eth1", cut to n. */
void input_short_description(const struct cap_source *cs, char *out, size_t n);

#endif
