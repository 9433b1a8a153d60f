// SPDX-License-Identifier: GPL-2.0
/*
 * When the state file is written, and by whom.
 *
 * A write renders every binding (state.c): about 1.5 us each, so 30 ms at
 * 20k bindings. Done in the event loop, once a second while DNS makes
 * entries, that pause was the allocation path's p99. Delayed writes are
 * therefore made by a forked child at nice 19: it renders the snapshot of
 * the pool it was forked with while the daemon goes on answering, and the
 * parent reaps it through a pidfd in the event loop. Changes made while it
 * runs are written by the next child, a second later.
 *
 * Writes that must be done at once (container and static claims, exit)
 * stay in the daemon: they first wait for a running child, so an older
 * snapshot can never be renamed over a newer one. Without fork or a pidfd
 * the write is made in the daemon, as before.
 */
#include "siitdcd-internal.h"
#include "state.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define STATE_DELAY_MS	1000
#define STATE_RETRY_MS	5000

static void timer_fn(void *arg);

static void log_error(const char *err)
{
	static uint64_t last;

	if (sd_log_allowed(&last))
		sd_log(SD_LOG_ERR, "cannot write the state: %s", err);
}

static void arm(struct siitdcd *d, uint64_t ms)
{
	if (!d->state_timer)
		d->state_timer = sd_timer_add(d->loop, ms, timer_fn, d);
}

/* Counts the outcome of one write; a failed one is retried later. */
static void done(struct siitdcd *d, bool ok)
{
	if (ok) {
		sd_metric_inc(SD_M_STATE_WRITES);
		return;
	}
	sd_metric_inc(SD_M_STATE_ERRORS);
	d->state_dirty = true;
	arm(d, STATE_RETRY_MS);
}

static void write_here(struct siitdcd *d)
{
	char err[512];
	bool ok;

	d->state_dirty = false;
	ok = !sd_state_save(d->state_path, d->pool, sd_wall_ms(), err,
			    sizeof(err));
	if (!ok)
		log_error(err);
	done(d, ok);
}

/* Reaps the child; @block waits for it. */
static void reap(struct siitdcd *d, bool block)
{
	int status;
	pid_t r;

	do
		r = waitpid(d->state_child, &status, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return;		/* not yet */
	if (d->state_pidfd >= 0) {
		sd_loop_del(d->loop, d->state_pidfd);
		close(d->state_pidfd);
		d->state_pidfd = -1;
	}
	d->state_child = 0;
	/* The child logged its own error. */
	done(d, r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Changed while it ran: the next write, a second on. */
	if (d->state_dirty)
		arm(d, STATE_DELAY_MS);
}

static void child_io(void *arg, uint32_t events)
{
	(void)events;
	reap(arg, false);
}

static void write_in_child(struct siitdcd *d)
{
	char err[512];
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0) {
		write_here(d);
		return;
	}
	if (pid == 0) {
		/* Nothing of the daemon's but the log: sockets stay its own. */
		close_range(3, ~0U, 0);
		/* Behind the daemon's queries; at normal priority it works too. */
		(void)setpriority(PRIO_PROCESS, 0, 19);
		if (sd_state_save(d->state_path, d->pool, sd_wall_ms(), err,
				  sizeof(err))) {
			sd_log(SD_LOG_ERR, "cannot write the state: %s", err);
			_exit(1);
		}
		_exit(0);
	}
	d->state_dirty = false;
	d->state_child = pid;
	fd = pidfd_open(pid, 0);
	d->state_pidfd = fd;
	if (fd >= 0 && sd_loop_add(d->loop, fd, EPOLLIN, child_io, d) == 0)
		return;
	if (fd >= 0)
		close(fd);
	d->state_pidfd = -1;
	reap(d, true);		/* no way to hear of it: wait for it here */
}

static void timer_fn(void *arg)
{
	struct siitdcd *d = arg;

	d->state_timer = NULL;
	if (!d->state_dirty)
		return;
	if (d->state_child)	/* its reaping re-arms the timer */
		return;
	write_in_child(d);
}

/* Waits for a running child, then writes here if anything is unwritten. */
static void write_now(struct siitdcd *d)
{
	if (d->state_child)
		reap(d, true);
	if (d->state_timer) {
		sd_timer_cancel(d->loop, d->state_timer);
		d->state_timer = NULL;
	}
	if (d->state_dirty)
		write_here(d);
}

void sd_state_changed(struct siitdcd *d, bool now)
{
	d->state_dirty = true;
	if (now) {
		write_now(d);
		return;
	}
	arm(d, STATE_DELAY_MS);
	if (!d->state_timer && !d->state_child)
		write_here(d);
}

void sd_state_flush(struct siitdcd *d)
{
	write_now(d);
	/* At exit: no retry timer may outlive the loop. */
	if (d->state_timer) {
		sd_timer_cancel(d->loop, d->state_timer);
		d->state_timer = NULL;
	}
}
