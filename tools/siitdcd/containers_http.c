// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/1.1 responses from the Docker Engine API, parsed incrementally: the
 * event stream is one endless chunked body, so the parser never needs the
 * whole response in memory; only the current line is buffered.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "containers_http.h"

void ct_http_init(struct ct_http *h)
{
	memset(h, 0, sizeof(*h));
	h->state = CT_HTTP_STATUS;
}

bool ct_http_headers_done(const struct ct_http *h)
{
	return h->state > CT_HTTP_HEADER && h->state != CT_HTTP_ERROR;
}

static ssize_t fail(struct ct_http *h, const char *why)
{
	h->state = CT_HTTP_ERROR;
	h->error = why;
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal digits only, no sign, no spaces; bounded so it cannot wrap. */
static int parse_dec(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (!is_digit(*s) || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "HTTP/1.x SSS reason" */
static ssize_t status_line(struct ct_http *h, const char *l)
{
	if (strncmp(l, "HTTP/1.", 7) || !is_digit(l[7]) || l[8] != ' ' ||
	    !is_digit(l[9]) || !is_digit(l[10]) || !is_digit(l[11]) ||
	    (l[12] != ' ' && l[12] != '\0'))
		return fail(h, "malformed status line");
	h->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (h->status < 100 || h->status > 599)
		return fail(h, "status code out of range");
	/* HTTP/1.0 has no persistent connections by default. */
	if (l[7] == '0')
		h->close = true;
	h->state = CT_HTTP_HEADER;
	return 0;
}

/* Trims optional whitespace around a header value in place. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

static ssize_t headers_end(struct ct_http *h)
{
	/* 1xx, 204 and 304 never carry a body. */
	if (h->status < 200 || h->status == 204 || h->status == 304) {
		if (h->status < 200)
			return fail(h, "interim (1xx) responses are not expected");
		h->state = CT_HTTP_DONE;
		return 0;
	}
	if (h->chunked) {
		h->state = CT_HTTP_CHUNK_SIZE;
	} else if (h->has_length) {
		h->remaining = h->length;
		h->state = h->length ? CT_HTTP_BODY_LEN : CT_HTTP_DONE;
	} else {
		h->close = true;
		h->state = CT_HTTP_BODY_EOF;
	}
	return 0;
}

static ssize_t header_line(struct ct_http *h, char *l)
{
	char *colon, *v;

	if (!*l)
		return headers_end(h);
	if (++h->n_headers > CT_HTTP_HEADERS_MAX)
		return fail(h, "too many header lines");
	if (*l == ' ' || *l == '\t')
		return fail(h, "folded header line");
	colon = strchr(l, ':');
	if (!colon || colon == l)
		return fail(h, "malformed header line");
	*colon = '\0';
	if (strpbrk(l, " \t"))
		return fail(h, "whitespace in a header name");
	v = trim(colon + 1);

	if (!strcasecmp(l, "Content-Length")) {
		uint64_t n;

		if (parse_dec(v, &n) || (h->has_length && n != h->length))
			return fail(h, "bad Content-Length");
		h->has_length = true;
		h->length = n;
	} else if (!strcasecmp(l, "Transfer-Encoding")) {
		if (strcasecmp(v, "chunked") || h->chunked)
			return fail(h, "unsupported Transfer-Encoding");
		h->chunked = true;
	} else if (!strcasecmp(l, "Connection")) {
		if (!strcasecmp(v, "close"))
			h->close = true;
	}
	/* Both would let the two ends disagree on where the body ends. */
	if (h->chunked && h->has_length)
		return fail(h, "both Content-Length and chunked");
	return 0;
}

/* chunk-size [; extensions] */
static ssize_t chunk_size_line(struct ct_http *h, const char *l)
{
	uint64_t v = 0;
	const char *p = l;
	int d;

	for (; (d = hex_val(*p)) >= 0; p++) {
		v = v * 16 + (uint64_t)d;
		if (v > CT_HTTP_CHUNK_MAX)
			return fail(h, "chunk too large");
	}
	if (p == l || (*p && *p != ';' && *p != ' ' && *p != '\t'))
		return fail(h, "malformed chunk size");
	if (v == 0) {
		h->state = CT_HTTP_TRAILER;
	} else {
		h->remaining = v;
		h->state = CT_HTTP_CHUNK_DATA;
	}
	return 0;
}

static ssize_t line_done(struct ct_http *h, char *l)
{
	switch (h->state) {
	case CT_HTTP_STATUS:
		return status_line(h, l);
	case CT_HTTP_HEADER:
		return header_line(h, l);
	case CT_HTTP_CHUNK_SIZE:
		return chunk_size_line(h, l);
	case CT_HTTP_CHUNK_END:
		if (*l)
			return fail(h, "chunk data longer than its size");
		h->state = CT_HTTP_CHUNK_SIZE;
		return 0;
	case CT_HTTP_TRAILER:
		/* Trailer fields are read and ignored; an empty line ends. */
		if (!*l)
			h->state = CT_HTTP_DONE;
		else if (++h->n_headers > CT_HTTP_HEADERS_MAX)
			return fail(h, "too many trailer lines");
		return 0;
	default:
		return fail(h, "internal: line in a body state");
	}
}

static bool in_line_state(enum ct_http_state s)
{
	return s == CT_HTTP_STATUS || s == CT_HTTP_HEADER ||
	       s == CT_HTTP_CHUNK_SIZE || s == CT_HTTP_CHUNK_END ||
	       s == CT_HTTP_TRAILER;
}

ssize_t ct_http_feed(struct ct_http *h, const char *buf, size_t len,
		     ct_http_body_fn body, void *arg)
{
	size_t i = 0;

	if (h->state == CT_HTTP_ERROR)
		return -1;
	while (i < len && h->state != CT_HTTP_DONE) {
		if (in_line_state(h->state)) {
			char c = buf[i++];

			if (c != '\n') {
				if (h->line_len >= sizeof(h->line) - 1)
					return fail(h, "line too long");
				if (c == '\0')
					return fail(h, "NUL in a line");
				h->line[h->line_len++] = c;
				continue;
			}
			if (!h->line_len || h->line[h->line_len - 1] != '\r')
				return fail(h, "line not ended by CRLF");
			h->line[--h->line_len] = '\0';
			h->line_len = 0;
			if (line_done(h, h->line) < 0)
				return -1;
			continue;
		}

		size_t n = len - i;

		if (h->state != CT_HTTP_BODY_EOF && n > h->remaining)
			n = (size_t)h->remaining;
		if (body && body(arg, buf + i, n))
			return fail(h, "body refused");
		i += n;
		if (h->state == CT_HTTP_BODY_EOF)
			continue;
		h->remaining -= n;
		if (h->remaining)
			continue;
		h->state = h->state == CT_HTTP_CHUNK_DATA ? CT_HTTP_CHUNK_END :
							     CT_HTTP_DONE;
	}
	return (ssize_t)i;
}

int ct_http_eof(struct ct_http *h)
{
	if (h->state == CT_HTTP_BODY_EOF || h->state == CT_HTTP_DONE) {
		h->state = CT_HTTP_DONE;
		return 0;
	}
	h->state = CT_HTTP_ERROR;
	h->error = "connection closed before the response ended";
	return -1;
}

int ct_http_get(char *out, size_t size, const char *path)
{
	int n = snprintf(out, size,
			 "GET %s HTTP/1.1\r\n"
			 "Host: docker\r\n"
			 "User-Agent: siitdcd\r\n"
			 "Accept: application/json\r\n"
			 "\r\n", path);

	return n < 0 || (size_t)n >= size ? -1 : n;
}

int ct_http_query_escape(char *out, size_t size, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     is_digit((char)c) || c == '-' || c == '_' ||
			     c == '.' || c == '~';

		if (o + (plain ? 1 : 3) >= size)
			return -1;
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= size)
		return -1;
	out[o] = '\0';
	return (int)o;
}
