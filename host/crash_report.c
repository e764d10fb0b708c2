/*
 * crash_report.c — see crash_report.h. The handler uses only
 * async-signal-safe calls (write, sigaction, raise), then hands the
 * signal to the handler that was there before it.
 */
#include "crash_report.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char *volatile g_plugin;
static const char *volatile g_call;

void host_crash_report_enter(const char *plugin, const char *call)
{
    g_plugin = plugin;
    g_call = call;
}

void host_crash_report_leave(void)
{
    g_plugin = NULL;
    g_call = NULL;
}

static void put(const char *s)
{
    if (!s)
        return;
    ssize_t w = write(2, s, strlen(s));
    (void)w;
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV (invalid memory access)";
    case SIGBUS:
        return "SIGBUS (bus error)";
    case SIGFPE:
        return "SIGFPE (arithmetic fault)";
    case SIGILL:
        return "SIGILL (illegal instruction)";
    default:
        return "SIGABRT (aborted)";
    }
}

#define N_FATAL 5
static const int FATAL[N_FATAL] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
/* What was there before (a sanitizer's reporter, or the default): it
 * runs after the line, so its report and the core dump still come. */
static struct sigaction g_prev[N_FATAL];

static void on_fatal(int sig, siginfo_t *info, void *ctx)
{
    const char *plugin = g_plugin, *call = g_call;
    put("perpd: fatal signal ");
    put(signal_name(sig));
    if (plugin) {
        put(" in plugin '");
        put(plugin);
        put("' ");
        put(call);
        put("(): the plugin crashed");
    }
    put("; records not yet written are lost\n");
    for (int i = 0; i < N_FATAL; i++) {
        if (FATAL[i] != sig)
            continue;
        const struct sigaction *prev = &g_prev[i];
        sigaction(sig, prev, NULL);
        if (prev->sa_flags & SA_SIGINFO) {
            prev->sa_sigaction(sig, info, ctx);
            return;
        }
        if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
            prev->sa_handler(sig);
            return;
        }
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

void host_crash_report_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sigemptyset(&sa.sa_mask);
    /* SA_RESETHAND: a fault inside the handler ends the process. */
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    for (int i = 0; i < N_FATAL; i++)
        sigaction(FATAL[i], &sa, &g_prev[i]);
    signal(SIGXFSZ, SIG_IGN);
}
