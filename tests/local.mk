# tests/ — unit tests (C programs) and end-to-end scripts over samples/.
UNIT_LDADD = libsmtpscope.a $(LIBDEPS) -lpthread
UNIT_TESTS = tests/unit/test_cursor tests/unit/test_packet tests/unit/test_reasm \
	tests/unit/test_flow tests/unit/test_lines tests/unit/test_smtp \
	tests/unit/test_host_model tests/unit/test_host_status
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_cursor_SOURCES = tests/unit/test_cursor.c tests/unit/check.h
tests_unit_test_cursor_LDADD = $(UNIT_LDADD)
tests_unit_test_packet_SOURCES = tests/unit/test_packet.c tests/unit/check.h
tests_unit_test_packet_LDADD = $(UNIT_LDADD)
tests_unit_test_reasm_SOURCES = tests/unit/test_reasm.c tests/unit/check.h
tests_unit_test_reasm_LDADD = $(UNIT_LDADD)
tests_unit_test_flow_SOURCES = tests/unit/test_flow.c tests/unit/check.h
tests_unit_test_flow_LDADD = $(UNIT_LDADD)
tests_unit_test_lines_SOURCES = tests/unit/test_lines.c tests/unit/check.h
tests_unit_test_lines_LDADD = $(UNIT_LDADD)
tests_unit_test_smtp_SOURCES = tests/unit/test_smtp.c tests/unit/check.h
tests_unit_test_smtp_LDADD = $(UNIT_LDADD)
tests_unit_test_host_model_SOURCES = tests/unit/test_host_model.c tests/unit/check.h tests/unit/session_fixture.h
tests_unit_test_host_model_LDADD = $(UNIT_LDADD)
tests_unit_test_host_status_SOURCES = tests/unit/test_host_status.c tests/unit/check.h tests/unit/session_fixture.h
tests_unit_test_host_status_LDADD = $(UNIT_LDADD)

# End-to-end: golden outputs of every sample, the command line, the samples
# themselves, and the comparison with peer tools on ../shared/corpus.
E2E_TESTS = tests/golden.sh tests/cli.py
TESTS += $(E2E_TESTS)
AM_TESTS_ENVIRONMENT = SMTPSCOPE=$(abs_builddir)/smtpscope; export SMTPSCOPE; \
	SMTPSCOPE_SANITIZED=$(enable_sanitizers); export SMTPSCOPE_SANITIZED;
EXTRA_DIST += $(E2E_TESTS) tests/golden
TESTS += samples/check-samples.sh
TESTS += tests/peer-compare.sh
EXTRA_DIST += tests/peer-compare.sh tests/peer-compare.py tests/peer-exceptions.tsv
TESTS += tests/geoip.py
EXTRA_DIST += tests/geoip.py tests/geoip/make-mmdb.pl
TESTS += tests/live-veth.sh
# the veth pairs and namespace of the live tests (sourced, not a test)
EXTRA_DIST += tests/live-veth.sh tests/netns.sh
UNIT_TESTS += tests/unit/test_rules
check_PROGRAMS += tests/unit/test_rules
TESTS += tests/unit/test_rules
tests_unit_test_rules_SOURCES = tests/unit/test_rules.c tests/unit/check.h
tests_unit_test_rules_LDADD = $(UNIT_LDADD)
tests_unit_test_rules_CPPFLAGS = $(AM_CPPFLAGS) -DSRCDIR='"$(abs_top_srcdir)"'

# --memcap bounds memory: a million concurrent half-open sessions (~15 s).
TESTS += tests/memcap.py
EXTRA_DIST += tests/memcap.py
TESTS += tests/rules-samples.py
EXTRA_DIST += tests/rules-samples.py
TESTS += tests/check-rules.sh
EXTRA_DIST += tests/check-rules.sh
TESTS += tests/tui.sh
EXTRA_DIST += tests/tui.sh
# -w evidence buffers, --write-all rotation, --bundle (doc/evidence.md).
UNIT_TESTS += tests/unit/test_evidence
check_PROGRAMS += tests/unit/test_evidence
TESTS += tests/unit/test_evidence
tests_unit_test_evidence_SOURCES = tests/unit/test_evidence.c tests/unit/check.h
tests_unit_test_evidence_LDADD = $(UNIT_LDADD)
TESTS += tests/evidence.py
EXTRA_DIST += tests/evidence.py doc/evidence.md
UNIT_TESTS += tests/unit/test_bundle
check_PROGRAMS += tests/unit/test_bundle
TESTS += tests/unit/test_bundle
tests_unit_test_bundle_SOURCES = tests/unit/test_bundle.c tests/unit/check.h
tests_unit_test_bundle_LDADD = $(UNIT_LDADD)
tests_unit_test_bundle_CPPFLAGS = $(AM_CPPFLAGS) -DSRCDIR='"$(abs_top_srcdir)"'
# --any-port (nDPI): SMTP on any port, what SMTP ports carry when not SMTP.
TESTS += tests/any-port.py
EXTRA_DIST += tests/any-port.py
# --metrics-file: strict text-format parse, values against the JSON records.
TESTS += tests/metrics.py
EXTRA_DIST += tests/metrics.py doc/metrics.md
# host="other" stays a counter while hosts move in and out of the list.
UNIT_TESTS += tests/unit/test_metrics
check_PROGRAMS += tests/unit/test_metrics
TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c tests/unit/check.h
tests_unit_test_metrics_LDADD = $(UNIT_LDADD)
# A final --metrics-file write that fails (full tmpfs) is exit 2.
TESTS += tests/metrics-full-disk.sh
EXTRA_DIST += tests/metrics-full-disk.sh
# --metrics-listen scraped by a real Prometheus on a live veth capture; the
# Grafana dashboard's queries run against it (~20 s).
TESTS += tests/prometheus.sh
EXTRA_DIST += tests/prometheus.sh
# --metrics-listen beside the dashboard's --replay (tmux).
TESTS += tests/metrics-replay.sh
EXTRA_DIST += tests/metrics-replay.sh
# The systemd unit: exposure <= 2.5 (systemd-analyze security), CAP_NET_RAW only.
TESTS += tests/service-hardening.sh
EXTRA_DIST += tests/service-hardening.sh

# tests/fuzz/ — one libFuzzer harness per entry point (built by --enable-fuzz
# with clang), the same harnesses run over the committed corpus by a replay
# driver in every build (make check), and tests/mutate.py: hostile captures
# through the real binary.  tests/fuzz/README.md says how to run them.
FUZZ_COMMON = tests/fuzz/fuzz.h tests/fuzz/fuzz_check.c
FUZZ_LDADD = libsmtpscope.a $(LIBDEPS) -lpthread

check_PROGRAMS += tests/fuzz/replay_capture tests/fuzz/replay_packet tests/fuzz/replay_smtp \
	tests/fuzz/replay_reasm tests/fuzz/replay_rules tests/fuzz/replay_facts
tests_fuzz_replay_capture_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_capture.c $(FUZZ_COMMON)
tests_fuzz_replay_capture_LDADD = $(FUZZ_LDADD)
tests_fuzz_replay_packet_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_packet.c $(FUZZ_COMMON)
tests_fuzz_replay_packet_LDADD = $(FUZZ_LDADD)
tests_fuzz_replay_smtp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_smtp.c $(FUZZ_COMMON)
tests_fuzz_replay_smtp_LDADD = $(FUZZ_LDADD)
tests_fuzz_replay_reasm_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_reasm.c $(FUZZ_COMMON)
tests_fuzz_replay_reasm_LDADD = $(FUZZ_LDADD)
tests_fuzz_replay_rules_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rules.c $(FUZZ_COMMON)
tests_fuzz_replay_rules_LDADD = $(FUZZ_LDADD)
tests_fuzz_replay_facts_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_facts.c $(FUZZ_COMMON)
tests_fuzz_replay_facts_LDADD = $(FUZZ_LDADD)

if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_capture tests/fuzz/fuzz_packet tests/fuzz/fuzz_smtp \
	tests/fuzz/fuzz_reasm tests/fuzz/fuzz_rules tests/fuzz/fuzz_facts
tests_fuzz_fuzz_capture_SOURCES = tests/fuzz/fuzz_capture.c $(FUZZ_COMMON)
tests_fuzz_fuzz_capture_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_capture_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_packet_SOURCES = tests/fuzz/fuzz_packet.c $(FUZZ_COMMON)
tests_fuzz_fuzz_packet_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_packet_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_smtp_SOURCES = tests/fuzz/fuzz_smtp.c $(FUZZ_COMMON)
tests_fuzz_fuzz_smtp_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_smtp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_reasm_SOURCES = tests/fuzz/fuzz_reasm.c $(FUZZ_COMMON)
tests_fuzz_fuzz_reasm_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_reasm_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rules_SOURCES = tests/fuzz/fuzz_rules.c $(FUZZ_COMMON)
tests_fuzz_fuzz_rules_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_rules_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_facts_SOURCES = tests/fuzz/fuzz_facts.c $(FUZZ_COMMON)
tests_fuzz_fuzz_facts_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_facts_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif

TESTS += tests/fuzz/replay.sh tests/mutate.py
EXTRA_DIST += tests/fuzz/replay.sh tests/fuzz/run-fuzzers.sh tests/fuzz/seed-corpus.py \
	tests/fuzz/README.md tests/fuzz/corpus tests/fuzz/dict tests/mutate.py
# The dashboard's and the live capture's threads under ThreadSanitizer
# (runs in a --enable-sanitizers=thread build; .ci/run makes one).
TESTS += tests/tsan.sh
EXTRA_DIST += tests/tsan.sh
# The architecture's layering rules on the sources (doc/architecture.md).
TESTS += tests/layering.py
EXTRA_DIST += tests/layering.py
# Idle timeouts and who ended a session, stated by hand on their samples.
TESTS += tests/timeouts-samples.py
EXTRA_DIST += tests/timeouts-samples.py
# Silences past the idle timeout: rejoin from a file, live tombstones, horizon.
# (in TESTS and check_PROGRAMS through UNIT_TESTS)
UNIT_TESTS += tests/unit/test_idle
tests_unit_test_idle_SOURCES = tests/unit/test_idle.c tests/unit/check.h
tests_unit_test_idle_LDADD = $(UNIT_LDADD)
tests_unit_test_idle_CPPFLAGS = $(AM_CPPFLAGS) -DSRCDIR='"$(abs_top_srcdir)"'
# The dashboard marks a silent open session "stalled N s" (--replay clock).
TESTS += tests/tui-stalled.sh
EXTRA_DIST += tests/tui-stalled.sh
# A server's own idle-timeout reply, and implicit TLS waiting for a byte.
UNIT_TESTS += tests/unit/test_server_timeout
tests_unit_test_server_timeout_SOURCES = tests/unit/test_server_timeout.c tests/unit/check.h
tests_unit_test_server_timeout_LDADD = $(UNIT_LDADD)
# Exchange's SMTP verbs and BDAT header layouts (decode/smtp_exchange.c).
UNIT_TESTS += tests/unit/test_smtp_exchange
check_PROGRAMS += tests/unit/test_smtp_exchange
TESTS += tests/unit/test_smtp_exchange
tests_unit_test_smtp_exchange_SOURCES = tests/unit/test_smtp_exchange.c tests/unit/check.h
tests_unit_test_smtp_exchange_LDADD = $(UNIT_LDADD)
# The Exchange samples against facts stated by hand (not the goldens).
TESTS += tests/exchange-samples.py
EXTRA_DIST += tests/exchange-samples.py
# Zeek smtp.log agreement field by field, Message-ID and Subject included.
TESTS += tests/peer-fields.sh
EXTRA_DIST += tests/peer-fields.sh tests/peer-fields.py
# issue 14: hosts_dropped counts hosts (rules/distinct_count.c).
# (in TESTS and check_PROGRAMS through UNIT_TESTS)
UNIT_TESTS += tests/unit/test_hosts_dropped
tests_unit_test_hosts_dropped_SOURCES = tests/unit/test_hosts_dropped.c tests/unit/check.h
tests_unit_test_hosts_dropped_LDADD = $(UNIT_LDADD)
# issue 14: honest exits (signals, link types, no terminal), SIGHUP reopening
# -o, -w FILE as tcpdump's; --evidence on a full disk (a tmpfs, skip 77).
TESTS += tests/ops-exits.py tests/evidence-full-disk.sh
EXTRA_DIST += tests/ops-exits.py tests/evidence-full-disk.sh
# issue 14: the dashboard at 80, 100 and 200 columns (tmux; skip 77 without),
# and retry-overdue.pcap checked from its packets.
TESTS += tests/tui-ops.sh tests/sample-retry-overdue.py
EXTRA_DIST += tests/tui-ops.sh tests/sample-retry-overdue.py
# Detections across sessions: triplet and path tables (unit), and facts stated
# by hand about the samples of issue 10 (greylisting, growing alerts, PMTU,
# scans, FTP on odd ports, capture holes).
# (test_triplets in TESTS and check_PROGRAMS through UNIT_TESTS)
UNIT_TESTS += tests/unit/test_triplets
TESTS += tests/detect-samples.py tests/detect-holdout.py
tests_unit_test_triplets_SOURCES = tests/unit/test_triplets.c tests/unit/check.h
tests_unit_test_triplets_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/detect-samples.py tests/detect-holdout.py
# The JSON writer's hand-made number, time and escape formatting, and its
# record buffer's flush paths (issue 13: no printf on the hot output path).
UNIT_TESTS += tests/unit/test_json_writer
tests_unit_test_json_writer_SOURCES = tests/unit/test_json_writer.c tests/unit/check.h
tests_unit_test_json_writer_LDADD = $(UNIT_LDADD)
# addr_format's IPv4 without inet_ntop/sprintf (issue 13), against inet_ntop.
UNIT_TESTS += tests/unit/test_addr_format
tests_unit_test_addr_format_SOURCES = tests/unit/test_addr_format.c tests/unit/check.h
tests_unit_test_addr_format_LDADD = $(UNIT_LDADD)
# Parsers reused across sessions, with exact memory accounting (issue 13).
UNIT_TESTS += tests/unit/test_smtp_pool
tests_unit_test_smtp_pool_SOURCES = tests/unit/test_smtp_pool.c tests/unit/check.h
tests_unit_test_smtp_pool_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_session_pool
tests_unit_test_session_pool_SOURCES = tests/unit/test_session_pool.c tests/unit/check.h
tests_unit_test_session_pool_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_pcap_reader
tests_unit_test_pcap_reader_SOURCES = tests/unit/test_pcap_reader.c tests/unit/check.h
tests_unit_test_pcap_reader_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_packet_fast
tests_unit_test_packet_fast_SOURCES = tests/unit/test_packet_fast.c tests/unit/check.h
tests_unit_test_packet_fast_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_header_words
tests_unit_test_header_words_SOURCES = tests/unit/test_header_words.c tests/unit/check.h
tests_unit_test_header_words_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_smtp_case
tests_unit_test_smtp_case_SOURCES = tests/unit/test_smtp_case.c tests/unit/check.h
tests_unit_test_smtp_case_LDADD = $(UNIT_LDADD)
# The dashboard model's open sessions: search by id, holes, squeezing (issue 13).
UNIT_TESTS += tests/unit/test_model_open
tests_unit_test_model_open_SOURCES = tests/unit/test_model_open.c tests/unit/check.h
tests_unit_test_model_open_LDADD = $(UNIT_LDADD)
# The gateway decision (rules/gateway.c): given, inferred, tied by names.
UNIT_TESTS += tests/unit/test_gateway
check_PROGRAMS += tests/unit/test_gateway
TESTS += tests/unit/test_gateway
tests_unit_test_gateway_SOURCES = tests/unit/test_gateway.c tests/unit/check.h
tests_unit_test_gateway_LDADD = $(UNIT_LDADD)
# The inference's name store (rules/gw_names.c), bounded, and what the
# gateway's tables lose to it.
UNIT_TESTS += tests/unit/test_gw_names
check_PROGRAMS += tests/unit/test_gw_names
TESTS += tests/unit/test_gw_names
tests_unit_test_gw_names_SOURCES = tests/unit/test_gw_names.c tests/unit/check.h
tests_unit_test_gw_names_LDADD = $(UNIT_LDADD)
# What the first pass loses under a small --memcap is shown (issue 13).
TESTS += tests/gateway-first-pass-loss.py
EXTRA_DIST += tests/gateway-first-pass-loss.py
# No --gateway gives the verdicts of the right --gateway on every sample.
TESTS += tests/gateway-both-ways.py
EXTRA_DIST += tests/gateway-both-ways.py
# The provisional decision (stdin past its look-ahead) and its announcement.
TESTS += tests/gateway-provisional.py
EXTRA_DIST += tests/gateway-provisional.py
# Host status (ready/active/retry/failing/rejected), pending, last error and
# overdue retries on the host-status samples, checked against facts by hand.
TESTS += tests/host-status.py
EXTRA_DIST += tests/host-status.py
TESTS += tests/tui-hoststatus.sh
EXTRA_DIST += tests/tui-hoststatus.sh
# Live JSON: the host record comes again once a rule names the failure's cause.
TESTS += tests/live-hoststatus.sh
EXTRA_DIST += tests/live-hoststatus.sh
# Verdicts without --gateway on never-seen mixes of the samples (addresses
# rewritten, times shifted) against the reviewed single-sample verdicts.
TESTS += tests/holdout.py
EXTRA_DIST += tests/holdout.py
# --format csv (the example output of doc/architecture.md) against the JSON records.
TESTS += tests/csv-output.py
EXTRA_DIST += tests/csv-output.py
# Several -r files merged by time, several -i at once (issue 11, input part).
TESTS += tests/multi-input.py tests/live-multi-iface.sh
EXTRA_DIST += tests/multi-input.py tests/live-multi-iface.sh
# capture/capture.c's merge of several files, on pcaps the test writes.
UNIT_TESTS += tests/unit/test_capture_merge
tests_unit_test_capture_merge_SOURCES = tests/unit/test_capture_merge.c tests/unit/check.h
tests_unit_test_capture_merge_LDADD = $(UNIT_LDADD)
# The gateway's queue: DSN reader, message tracking, queue figures.
# (in TESTS and check_PROGRAMS through UNIT_TESTS)
UNIT_TESTS += tests/unit/test_dsn tests/unit/test_message_track
tests_unit_test_dsn_SOURCES = tests/unit/test_dsn.c tests/unit/check.h
tests_unit_test_dsn_LDADD = $(UNIT_LDADD)
tests_unit_test_message_track_SOURCES = tests/unit/test_message_track.c tests/unit/check.h \
	tests/unit/msg_fixture.h
tests_unit_test_message_track_LDADD = $(UNIT_LDADD)
# The message table's memory: arena, eviction, accounting, sizes.
UNIT_TESTS += tests/unit/test_msg_store
tests_unit_test_msg_store_SOURCES = tests/unit/test_msg_store.c tests/unit/check.h \
	tests/unit/msg_fixture.h
tests_unit_test_msg_store_LDADD = $(UNIT_LDADD)
# The queue samples against facts stated by hand (states, relay delays,
# queued counts, oldest ages, queue/dsn alerts), inferred gateway and not.
TESTS += tests/queue-samples.py
EXTRA_DIST += tests/queue-samples.py
# A relayed message (in, then out) is one delivery, not a retry of its
# recipient domain; a deferral sent again is (samples/relay-retry-count.pcap).
TESTS += tests/relay-retry-count.py
EXTRA_DIST += tests/relay-retry-count.py
# Message tracking on a relay capture written by the test itself (nothing
# shared with samples/gen): >= 98% of messages right, queued/oldest exact.
TESTS += tests/relay-mix.py
EXTRA_DIST += tests/relay-mix.py
# The dashboard's Queue and Messages screens at 80, 100 and 200 columns.
TESTS += tests/tui-queue.sh
EXTRA_DIST += tests/tui-queue.sh
# doc/json.md lists every field of every record type, in output order, with
# its type: no field written undocumented, no documented field never written
TESTS += tests/json-doc.py
EXTRA_DIST += tests/json-doc.py
# each refused recipient with its reply (facts by hand from samples/README.md)
TESTS += tests/rcpt-refusals.py
EXTRA_DIST += tests/rcpt-refusals.py
# the text report: summary first, findings by host newest first, dialogues
# only with --transcript, 100 columns (every sample)
TESTS += tests/text-report.py
EXTRA_DIST += tests/text-report.py
# One unit per kind of figure (issue 14): rules/units.h at its boundaries and
# the template filters; every sample's messages, last errors and report.
UNIT_TESTS += tests/unit/test_units
check_PROGRAMS += tests/unit/test_units
TESTS += tests/unit/test_units tests/units.py
tests_unit_test_units_SOURCES = tests/unit/test_units.c tests/unit/check.h
tests_unit_test_units_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/units.py

# The gateway first pass (issue 13): the facts scanner against the full
# decoder, session by session and in the final decision, on every sample and
# corpus capture; test_gateway_facts is its harness (not a test alone).
check_PROGRAMS += tests/unit/test_gateway_facts
tests_unit_test_gateway_facts_SOURCES = tests/unit/test_gateway_facts.c
tests_unit_test_gateway_facts_LDADD = $(UNIT_LDADD)
TESTS += tests/gateway-pass.py
EXTRA_DIST += tests/gateway-pass.py
UNIT_TESTS += tests/unit/test_pcap_map
check_PROGRAMS += tests/unit/test_pcap_map
TESTS += tests/unit/test_pcap_map
tests_unit_test_pcap_map_SOURCES = tests/unit/test_pcap_map.c tests/unit/check.h
tests_unit_test_pcap_map_LDADD = $(UNIT_LDADD)
tests_unit_test_pcap_map_CPPFLAGS = $(AM_CPPFLAGS) -DSRCDIR='"$(abs_top_srcdir)"'
# issue 13 (rules/ speed): the message memory's chains and eviction heap
# against the scan they replaced, the rule guards against the full
# conditions, the triplet table's key cache, the hosts' order by address.
UNIT_TESTS += tests/unit/test_host_messages tests/unit/test_rule_guard tests/unit/test_triplet_keys \
	tests/unit/test_host_order
tests_unit_test_host_messages_SOURCES = tests/unit/test_host_messages.c tests/unit/check.h
tests_unit_test_host_messages_LDADD = $(UNIT_LDADD)
tests_unit_test_rule_guard_SOURCES = tests/unit/test_rule_guard.c tests/unit/check.h
tests_unit_test_rule_guard_LDADD = $(UNIT_LDADD)
tests_unit_test_triplet_keys_SOURCES = tests/unit/test_triplet_keys.c tests/unit/check.h
tests_unit_test_triplet_keys_LDADD = $(UNIT_LDADD)
tests_unit_test_host_order_SOURCES = tests/unit/test_host_order.c tests/unit/check.h \
	tests/unit/session_fixture.h
tests_unit_test_host_order_LDADD = $(UNIT_LDADD)
# The JSON writer's numbers, times, "%.Nf" and escaping against slow references.
UNIT_TESTS += tests/unit/test_json_format
check_PROGRAMS += tests/unit/test_json_format
TESTS += tests/unit/test_json_format
tests_unit_test_json_format_SOURCES = tests/unit/test_json_format.c tests/unit/check.h
tests_unit_test_json_format_LDADD = $(UNIT_LDADD) -lm
# The CSV times and the line buffer of the text outputs against gmtime/printf.
UNIT_TESTS += tests/unit/test_output_format
check_PROGRAMS += tests/unit/test_output_format
TESTS += tests/unit/test_output_format
tests_unit_test_output_format_SOURCES = tests/unit/test_output_format.c tests/unit/check.h
tests_unit_test_output_format_LDADD = $(UNIT_LDADD)
# The host model's change list and the dashboard's copies merged from it:
# changed twice, added, removed, tombstones lost, generation wrap (issue 13).
UNIT_TESTS += tests/unit/test_host_changes
tests_unit_test_host_changes_SOURCES = tests/unit/test_host_changes.c tests/unit/check.h tests/unit/session_fixture.h
tests_unit_test_host_changes_LDADD = $(UNIT_LDADD)
# The host screen shows a host updated after the dashboard's first copy of
# it (the copies merged from the change list, issue 13).
TESTS += tests/tui-hostupdate.sh
EXTRA_DIST += tests/tui-hostupdate.sh
# issue 14: a growing alert's update records, powers of two and at most one
# per 30 s per id, the final state always written (ui/output/alert_updates.c).
# (in TESTS and check_PROGRAMS through UNIT_TESTS)
UNIT_TESTS += tests/unit/test_alert_updates
tests_unit_test_alert_updates_SOURCES = tests/unit/test_alert_updates.c tests/unit/check.h
tests_unit_test_alert_updates_LDADD = $(UNIT_LDADD)
# retry-storm.pcap: the update records written, from the packets' 451 times.
TESTS += tests/alert-updates.py
EXTRA_DIST += tests/alert-updates.py
# issue 14: doc/screens/*.txt drawn again and compared (structure, digits
# aside) so the captures cannot go stale; all of them ship for it.
TESTS += tests/tui-screens.sh
EXTRA_DIST += tests/tui-screens.sh doc/screens/queue.txt doc/screens/messages.txt
# The package's unit started by a real systemd in a container (~2.5 min with
# the package build: not in make check, .ci/run runs it).
EXTRA_DIST += tests/systemd-service.sh
