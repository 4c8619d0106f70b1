# bench/ — the benchmark (not a test): `make bench`, or bench/run.sh directly.
# Captures go to $(BENCH_DIR) (default /tmp/smtpscope-bench), never the tree.
# `make bench BENCH_SIZES="200"` for one size; doc/performance.md has results.
EXTRA_DIST += bench/run.sh bench/gencap.c bench/pcap_floor.c bench/local.mk bench/live-rate.sh \
	bench/queue-cost.sh
BENCH_SIZES =
bench: smtpscope$(EXEEXT)
	SMTPSCOPE=$(abs_builddir)/smtpscope$(EXEEXT) CC="$(CC)" bash $(srcdir)/bench/run.sh $(BENCH_SIZES)
.PHONY: bench
