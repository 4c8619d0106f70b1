/* anomaly.h — names for malformed or odd input ("weirds").
 *
 * Hostile or broken traffic is data, not an error: each oddity has a name,
 * is counted globally (stats record) and, for SMTP ones, per session, so
 * rules/ can match it and ui/ can show it.  X-macro: (ENUM, "json-name").
 */
#ifndef SMTPSCOPE_ANOMALY_H
#define SMTPSCOPE_ANOMALY_H

#define ANOMALY_LIST(X) \
	/* packet level */ \
	X(ANOM_SHORT_LINK,        "short_link_header") \
	X(ANOM_BAD_VLAN,          "bad_vlan_header") \
	X(ANOM_UNKNOWN_LINKTYPE,  "unknown_linktype") \
	X(ANOM_SHORT_IP,          "short_ip_header") \
	X(ANOM_BAD_IP_VERSION,    "bad_ip_version") \
	X(ANOM_BAD_IP_LENGTH,     "bad_ip_length") \
	X(ANOM_BAD_IP_EXTHDR,     "bad_ipv6_extension_header") \
	X(ANOM_IP_FRAGMENT,       "ip_fragment_skipped") \
	X(ANOM_SHORT_TCP,         "short_tcp_header") \
	X(ANOM_BAD_TCP_OFFSET,    "bad_tcp_data_offset") \
	X(ANOM_BAD_TCP_OPTION,    "bad_tcp_option") \
	X(ANOM_SNAPLEN_CUT,       "payload_cut_by_snaplen") \
	/* stream level */ \
	X(ANOM_OOO_OVERFLOW,      "reassembly_buffer_full") \
	X(ANOM_DATA_AFTER_CLOSE,  "data_after_close") \
	X(ANOM_FLOW_EVICTED,      "flow_evicted_memcap") \
	/* SMTP level */ \
	X(ANOM_LINE_TOO_LONG,     "line_too_long") \
	X(ANOM_BARE_LF,           "bare_lf") \
	X(ANOM_BAD_REPLY,         "bad_reply_line") \
	X(ANOM_REPLY_CODE_CHANGE, "multiline_reply_code_mismatch") \
	X(ANOM_UNSOLICITED_REPLY, "unsolicited_reply") \
	X(ANOM_PIPELINE_OVERFLOW, "pending_command_queue_full") \
	X(ANOM_RCPT_OVERFLOW,     "too_many_recipients") \
	X(ANOM_TXN_OVERFLOW,      "too_many_transactions") \
	X(ANOM_BAD_BDAT,          "bad_bdat_size") \
	X(ANOM_BINARY_COMMAND,    "binary_in_command_stream") \
	X(ANOM_UNKNOWN_COMMAND,   "unknown_command") \
	X(ANOM_NESTED_MAIL,       "mail_inside_transaction") \
	X(ANOM_DATA_GAP,          "gap_in_stream") \
	X(ANOM_EOD_INFERRED,      "end_of_data_inferred_from_reply") \
	/* classification (nDPI) */ \
	X(ANOM_NOT_SMTP,          "not_smtp_on_smtp_port")

enum anomaly {
#define X(e, n) e,
	ANOMALY_LIST(X)
#undef X
	ANOM__COUNT
};

const char *anomaly_name(enum anomaly a);

#endif
