/* SIGINT and SIGTERM during a command that writes a pack (kpi pack, kpi
 * render): the pack's temporary directory is removed, then the process ends
 * by the signal as it would have (exit status 128+N in a shell). The
 * signals are blocked in every thread and taken by one thread that waits
 * for them (sigwait), so the clean-up runs as ordinary code, not in a
 * handler (kpi_pack_abort, kpi/pack.h). */
#include "signals.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>

#include "kpi/pack.h"

static sigset_t stop_set;

static void *wait_stop(void *unused)
{
	int sig = 0;
	(void)unused;
	if (sigwait(&stop_set, &sig) != 0)
		return NULL;
	kpi_pack_abort();
	/* end as the signal would have ended the process: its default action,
	 * delivered to this thread */
	signal(sig, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &stop_set, NULL);
	raise(sig);
	return NULL;
}

void kpi_tool_signals_begin(void)
{
	pthread_t t;
	pthread_attr_t attr;

	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGTERM);
	/* before any other thread: they inherit the mask */
	if (pthread_sigmask(SIG_BLOCK, &stop_set, NULL) != 0)
		return;
	if (pthread_attr_init(&attr) != 0 || pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0 ||
	    pthread_create(&t, &attr, wait_stop, NULL) != 0)
		/* no thread to take them: the signals act as before */
		pthread_sigmask(SIG_UNBLOCK, &stop_set, NULL);
	pthread_attr_destroy(&attr);
}
