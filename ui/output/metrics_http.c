/* metrics_http.c — the --metrics-listen HTTP server (HTTP/1.0 subset,
 * RFC 9112 message syntax): one thread, poll()-driven, one connection at a
 * time, bounded request size and time. */
#include "config.h"

#include "ui/output/metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "decode/mem.h"
#include "ui/output/metrics_snapshot.h"

#define REQUEST_MAX 4096
#define IO_TIMEOUT_MS 5000
/* how long a scrape waits for the decoder's thread to take a fresh snapshot */
#define FRESH_WAIT_MS 1000

struct metrics_http {
	int fd;
	int stop_pipe[2];
	pthread_t thread;
	struct metrics *m;
	struct metrics_snapshot snap; /* the thread's own copy */
	struct prom text;             /* reused answer buffer */
};

/* "ADDR:PORT" -> host, port; false if malformed. */
static bool split(const char *spec, char *host, size_t hostsz, char *port, size_t portsz)
{
	const char *colon;
	const char *h = spec;
	size_t hn;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			return false;
		h = spec + 1;
		hn = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || memchr(spec, ':', (size_t)(colon - spec)))
			return false; /* IPv6 needs the brackets */
		hn = (size_t)(colon - spec);
	}
	const char *p = colon + 1;
	size_t pn = strlen(p);
	if (hn == 0 || hn >= hostsz || pn == 0 || pn >= portsz || strspn(p, "0123456789") != pn ||
	    atoi(p) < 1 || atoi(p) > 65535)
		return false;
	memcpy(host, h, hn);
	host[hn] = '\0';
	memcpy(port, p, pn + 1);
	return true;
}

bool metrics_listen_valid(const char *spec)
{
	char host[256], port[8];
	unsigned char addr[16];
	if (!split(spec, host, sizeof host, port, sizeof port))
		return false;
	/* numeric only: the address to listen on, never a name to resolve */
	return spec[0] == '[' ? inet_pton(AF_INET6, host, addr) == 1 : inet_pton(AF_INET, host, addr) == 1;
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits until fd is ready for `events` or the deadline passes. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return false;
		struct pollfd pfd = { .fd = fd, .events = events };
		int r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
}

static bool send_all(int fd, const char *p, size_t n, int64_t deadline)
{
	while (n) {
		if (!wait_fd(fd, POLLOUT, deadline))
			return false;
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void respond(int fd, int64_t deadline, const char *status, const char *type, const char *body,
		    size_t len, bool head_only)
{
	char hdr[512];
	int n = snprintf(hdr, sizeof hdr,
			 "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\nServer: smtpscope/" PACKAGE_VERSION "\r\n\r\n",
			 status, type, len);
	if (send_all(fd, hdr, (size_t)n, deadline) && !head_only)
		send_all(fd, body, len, deadline);
}

static const char INDEX[] =
	"<html><head><title>smtpscope</title></head><body><h1>smtpscope</h1>"
	"<p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

/* Reads the request head (up to REQUEST_MAX bytes, ending in an empty
 * line); its length, or -1 (too long, too slow, closed). */
static ssize_t read_request(int fd, char *buf, int64_t deadline)
{
	size_t len = 0;
	while (len < REQUEST_MAX) {
		if (!wait_fd(fd, POLLIN, deadline))
			return -1;
		ssize_t r = recv(fd, buf + len, REQUEST_MAX - len, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (ssize_t)len;
	}
	return -2;
}

static void serve(struct metrics_http *h, int fd)
{
	char req[REQUEST_MAX + 1];
	int64_t deadline = now_ms() + IO_TIMEOUT_MS;
	ssize_t n = read_request(fd, req, deadline);
	if (n == -2) {
		respond(fd, deadline, "431 Request Header Fields Too Large", "text/plain", "too large\n", 10,
			false);
		return;
	}
	if (n < 0)
		return;
	/* request line: METHOD SP TARGET SP VERSION */
	char *sp1 = strchr(req, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	char *eol = strpbrk(req, "\r\n");
	if (!sp1 || !sp2 || !eol || sp2 > eol) {
		respond(fd, deadline, "400 Bad Request", "text/plain", "bad request\n", 12, false);
		return;
	}
	*sp1 = *sp2 = '\0';
	bool head = strcmp(req, "HEAD") == 0;
	if (strcmp(req, "GET") != 0 && !head) {
		respond(fd, deadline, "405 Method Not Allowed", "text/plain", "GET only\n", 9, false);
		return;
	}
	char *target = sp1 + 1;
	target[strcspn(target, "?")] = '\0';
	if (strcmp(target, "/") == 0) {
		respond(fd, deadline, "200 OK", "text/html; charset=utf-8", INDEX, sizeof INDEX - 1, head);
	} else if (strcmp(target, "/metrics") == 0) {
		if (!metrics_latest(h->m, &h->snap, FRESH_WAIT_MS)) {
			respond(fd, deadline, "503 Service Unavailable", "text/plain", "starting\n", 9, head);
			return;
		}
		prom_reset(&h->text);
		metrics_render(&h->text, &h->snap);
		respond(fd, deadline, "200 OK", "text/plain; version=0.0.4; charset=utf-8", h->text.buf,
			h->text.len, head);
	} else {
		respond(fd, deadline, "404 Not Found", "text/plain", "not found: try /metrics\n", 24, head);
	}
}

static void *run(void *arg)
{
	struct metrics_http *h = arg;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = h->fd, .events = POLLIN },
					 { .fd = h->stop_pipe[0], .events = POLLIN } };
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		int fd = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			continue; /* EAGAIN, ECONNABORTED, EMFILE: the next one */
		serve(h, fd);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

static int bind_listen(const char *spec, char *err, size_t errlen)
{
	char host[256], port[8];
	if (!split(spec, host, sizeof host, port, sizeof port)) {
		snprintf(err, errlen, "--metrics-listen %s: not ADDR:PORT", spec);
		return -1;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "--metrics-listen %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
		snprintf(err, errlen, "--metrics-listen %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

struct metrics_http *metrics_http_start(const char *spec, struct metrics *m, char *err, size_t errlen)
{
	int fd = bind_listen(spec, err, errlen);
	if (fd < 0)
		return NULL;
	struct metrics_http *h = xcalloc(1, sizeof *h);
	h->fd = fd;
	h->m = m;
	snapshot_init(&h->snap, metrics_top(m));
	if (pipe2(h->stop_pipe, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "--metrics-listen %s: %s", spec, strerror(errno));
		goto fail;
	}
	/* the signals (SIGINT, SIGTERM, SIGHUP) are the main thread's */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&h->thread, NULL, run, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		return h;
	snprintf(err, errlen, "--metrics-listen %s: cannot start the thread: %s", spec, strerror(rc));
	close(h->stop_pipe[0]);
	close(h->stop_pipe[1]);
fail:
	close(fd);
	snapshot_release(&h->snap);
	free(h);
	return NULL;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	ssize_t w = write(h->stop_pipe[1], "x", 1);
	(void)w;
	pthread_join(h->thread, NULL);
	close(h->stop_pipe[0]);
	close(h->stop_pipe[1]);
	close(h->fd);
	snapshot_release(&h->snap);
	prom_release(&h->text);
	free(h);
}
