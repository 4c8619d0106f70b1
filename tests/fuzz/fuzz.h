/* fuzz.h — what every harness in tests/fuzz/ shares: the libFuzzer entry
 * point (also called by replay.c, without libFuzzer) and the output checks.
 *
 * A harness aborts (through fz_fail) when an invariant is broken, so that
 * libFuzzer and the replay driver both report it as a crash with the input.
 */
#ifndef SMTPSCOPE_FUZZ_H
#define SMTPSCOPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz invariant: ..." on stderr and aborts. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define FZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			fz_fail(__VA_ARGS__); \
	} while (0)

/* Every line of buf[0..n) is one complete JSON value (RFC 8259) in valid
 * UTF-8 (RFC 3629), with no raw control character; aborts otherwise. */
void fz_check_json_lines(const char *buf, size_t n);

/* Text meant for a terminal: valid UTF-8 without C0 (except '\n'), DEL or
 * C1 control characters, so nothing in a capture can drive the terminal. */
void fz_check_terminal_text(const char *buf, size_t n);

/* The bytes of one record of a chunked input: [1 byte tag][2 bytes length,
 * little endian][length bytes].  Returns false at the end of the input. */
struct fz_reader {
	const uint8_t *p;
	size_t n;
};
struct fz_record {
	uint8_t tag;
	uint16_t len;        /* as written; data_len may be shorter at the end */
	const uint8_t *data;
	size_t data_len;
};
int fz_next_record(struct fz_reader *r, struct fz_record *rec, int with_data);

#endif
