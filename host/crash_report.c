/*
 * crash_report.c — see crash_report.h. The handler uses only
 * async-signal-safe calls (write, sigaction, raise).
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

static void on_fatal(int sig)
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
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    raise(sig);
}

void host_crash_report_install(void)
{
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal;
    sigemptyset(&sa.sa_mask);
    /* Its own stack is not needed for these: a stack overflow dies
     * silently, as before. SA_RESETHAND: a fault in the handler ends it. */
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        sigaction(fatal[i], &sa, NULL);
    signal(SIGXFSZ, SIG_IGN);
}
