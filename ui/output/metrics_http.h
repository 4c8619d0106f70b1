/* metrics_http.h — --metrics-listen ADDR:PORT: a small HTTP/1.0 server for
 * Prometheus's scraper, in its own thread.  GET /metrics answers the
 * exposition of a snapshot the decoder's thread published (ui/output/metrics.h);
 * GET / a page linking to it; anything else 404 or 405.  One connection at
 * a time, requests up to 4 KiB, 5 s to send one and to read the answer:
 * a slow or hostile client delays the next scrape, never the decoder. */
#ifndef SMTPSCOPE_METRICS_HTTP_H
#define SMTPSCOPE_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct metrics;
struct metrics_http;

/* Binds and listens on "ADDR:PORT" ("[ADDR]:PORT" for IPv6; ADDR numeric)
 * now, so a port below 1024 works before privileges are dropped; the
 * thread starts serving at once.  NULL with the reason in err. */
struct metrics_http *metrics_http_start(const char *spec, struct metrics *m, char *err,
					size_t errlen);
/* Stops the thread and closes the socket. */
void metrics_http_stop(struct metrics_http *h);

/* "ADDR:PORT" split and checked; false if malformed (for the options). */
bool metrics_listen_valid(const char *spec);

#endif
