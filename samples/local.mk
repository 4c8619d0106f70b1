# samples/local.mk - builds the sample-capture generator and ships the samples; included from the top Makefile.am.
# Needs, before the include: noinst_PROGRAMS = ... and EXTRA_DIST = ... (this file only appends),
# AM_INIT_AUTOMAKE([subdir-objects]) and PCAP_CFLAGS/PCAP_LIBS from configure.

noinst_PROGRAMS += samples/gen/smtpgen
samples_gen_smtpgen_SOURCES = \
	samples/gen/gen.h \
	samples/gen/pkt.c \
	samples/gen/conn.c \
	samples/gen/scenarios.c \
	samples/gen/scenarios_rules.c \
	samples/gen/scenarios_timeouts.c \
	samples/gen/scenarios_exchange.c \
	samples/gen/scenarios_exits.c \
	samples/gen/scenarios_detect.c \
	samples/gen/scenarios_gw.c \
	samples/gen/scenarios_hoststatus.c \
	samples/gen/scenarios_multiinput.c \
	samples/gen/scenarios_queue.c \
	samples/gen/scenarios_msgmem.c \
	samples/gen/scenarios_ops.c \
	samples/gen/smtpgen.c
samples_gen_smtpgen_CFLAGS = $(AM_CFLAGS) $(PCAP_CFLAGS)
samples_gen_smtpgen_LDADD = $(PCAP_LIBS)

SAMPLE_CAPTURES = \
	samples/clean-delivery.pcap \
	samples/outage-rst-mid-data.pcap \
	samples/drop-mid-body.pcap \
	samples/deferrals-4xx.pcap \
	samples/rejections-5xx.pcap \
	samples/pipelining.pcap \
	samples/starttls.pcap \
	samples/bdat.pcap \
	samples/ipv6-vlan.pcap \
	samples/ooo-retrans.pcap \
	samples/capture-gap.pcap \
	samples/mid-stream.pcap \
	samples/auth-submission.pcap \
	samples/linktype-sll.pcap \
	samples/linktype-sll2.pcap \
	samples/linktype-raw.pcap \
	samples/linktype-null.pcap \
	samples/linktype-pcapng.pcapng \
	samples/connect-failures.pcap \
	samples/drop-after-dot.pcap \
	samples/deferral-storm.pcap \
	samples/pmtu-blackhole.pcap \
	samples/middlebox.pcap \
	samples/slow-server.pcap \
	samples/clean-many.pcap \
	samples/postfix-idle-timeout.pcap \
	samples/exchange-idle-timeout.pcap \
	samples/pause-in-data.pcap \
	samples/fin-then-rst.pcap \
	samples/quit-close-order.pcap \
	samples/refused-465.pcap \
	samples/exchange-anonymoustls.pcap \
	samples/exchange-xexch50-accepted.pcap \
	samples/exchange-xexch50-refused.pcap \
	samples/exchange-bdat-split.pcap \
	samples/exchange-x-exps.pcap \
	samples/exchange-link2state.pcap \
	samples/retry-overdue.pcap \
	samples/greylist-rcpt.pcap \
	samples/slow-deferrals.pcap \
	samples/drop-after-fullsize.pcap \
	samples/half-open-scan.pcap \
	samples/ftp-on-odd-port.pcap \
	samples/capture-hole-then-data.pcap \
	samples/gw-dual-stack.pcap \
	samples/gw-cluster.pcap \
	samples/gw-early-failures.pcap \
	samples/host-rejected.pcap \
	samples/host-syn-unanswered.pcap \
	samples/host-rcpt-452.pcap \
	samples/host-overdue-retry.pcap \
	samples/host-pmtu-silent.pcap \
	samples/host-ehlo-501-reset.pcap \
	samples/ring/ring-0.pcap \
	samples/ring/ring-1.pcap \
	samples/ring/ring-2.pcap \
	samples/ring/mixed-sll.pcap \
	samples/ring/mixed-eth.pcap \
	samples/relay-same-msgid.pcap \
	samples/relay-queued.pcap \
	samples/queue-stuck.pcap \
	samples/queue-backlog.pcap \
	samples/dsn-expired.pcap \
	samples/dsn-failed.pcap \
	samples/dsn-delayed.pcap \
	samples/relay-retry-count.pcap \
	samples/retry-storm.pcap

EXTRA_DIST += samples/README.md samples/check-samples.sh $(SAMPLE_CAPTURES)

# Rewrites the committed samples after a change to the generator; commit the result.
.PHONY: samples-regen
samples-regen: samples/gen/smtpgen$(EXEEXT)
	$(builddir)/samples/gen/smtpgen$(EXEEXT) $(srcdir)/samples
