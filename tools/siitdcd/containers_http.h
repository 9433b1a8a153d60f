/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTTP/1.1 client side that the container source needs to talk to the
 * Docker Engine API over a unix socket: request text, and an incremental,
 * strict response parser (status line, headers, a body delimited by
 * Content-Length, chunked transfer coding or the end of the connection).
 *
 * Strict and bounded: lines longer than CT_HTTP_LINE_MAX, more than
 * CT_HTTP_HEADERS_MAX header lines, bare LF line ends, malformed numbers,
 * chunk sizes over CT_HTTP_CHUNK_MAX and transfer codings other than
 * "chunked" are errors, so a confused or hostile peer costs a reconnect,
 * never unbounded memory. Pure: no I/O, unit tested byte by byte.
 */
#ifndef SIITDCD_CONTAINERS_HTTP_H
#define SIITDCD_CONTAINERS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CT_HTTP_LINE_MAX	8192
#define CT_HTTP_HEADERS_MAX	100
#define CT_HTTP_CHUNK_MAX	(64u << 20)

enum ct_http_state {
	CT_HTTP_STATUS,		/* reading the status line */
	CT_HTTP_HEADER,		/* reading header lines */
	CT_HTTP_BODY_LEN,	/* Content-Length bytes left in remaining */
	CT_HTTP_CHUNK_SIZE,	/* reading a chunk-size line */
	CT_HTTP_CHUNK_DATA,	/* chunk bytes left in remaining */
	CT_HTTP_CHUNK_END,	/* the CRLF after a chunk's data */
	CT_HTTP_TRAILER,	/* trailer lines after the last chunk */
	CT_HTTP_BODY_EOF,	/* the body runs to the end of the connection */
	CT_HTTP_DONE,		/* one whole response parsed */
	CT_HTTP_ERROR,
};

struct ct_http {
	enum ct_http_state state;
	int status;		/* 100..599 once the status line is read */
	bool chunked;
	bool close;		/* the peer closes after this response */
	bool has_length;
	uint64_t length;	/* Content-Length */
	uint64_t remaining;
	unsigned int n_headers;
	size_t line_len;
	char line[CT_HTTP_LINE_MAX];
	const char *error;	/* CT_HTTP_ERROR: what was wrong */
};

/* Body bytes as they arrive; a nonzero return aborts the parse (error). */
typedef int (*ct_http_body_fn)(void *arg, const char *data, size_t len);

void ct_http_init(struct ct_http *h);

/*
 * Parses up to @len bytes of @buf. Returns how many were used, which is
 * less than @len only when a response ended (CT_HTTP_DONE; the rest belongs
 * to the next one), or -1 on error (state CT_HTTP_ERROR, h->error set).
 */
ssize_t ct_http_feed(struct ct_http *h, const char *buf, size_t len,
		     ct_http_body_fn body, void *arg);

/* The peer closed the connection: 0 when that ended the response (an
 * EOF-delimited body), -1 when the response was cut short. */
int ct_http_eof(struct ct_http *h);

/* True once the status line and the headers have been read. */
bool ct_http_headers_done(const struct ct_http *h);

/*
 * Writes "GET @path HTTP/1.1" with the few headers the API needs into @out.
 * Returns the length, or -1 when it does not fit in @size.
 */
int ct_http_get(char *out, size_t size, const char *path);

/* Percent-encodes @in for a URL query value; -1 when it does not fit. */
int ct_http_query_escape(char *out, size_t size, const char *in);

#endif /* SIITDCD_CONTAINERS_HTTP_H */
