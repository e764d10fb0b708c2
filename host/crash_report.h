/*
 * crash_report.h — a last line when perpd dies of a fatal signal
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT): which signal and, when it
 * came from inside a plugin's create() or destroy(), which plugin, so a
 * plugin that crashes is named instead of perpd. The handler that was
 * there before then runs (a sanitizer's report), or the default action
 * (the core dump, the exit status a shell reports as 128 + signal).
 * Also ignores SIGXFSZ: a file size limit makes a write fail with EFBIG,
 * which the sinks report, instead of killing the process.
 */
#ifndef HOST_CRASH_REPORT_H
#define HOST_CRASH_REPORT_H

/* Installs the handlers; once, from main. */
void host_crash_report_install(void);

/* The plugin call the main thread is in (name and call borrowed: string
 * literals or strings that outlive the call), or NULL, NULL after it. */
void host_crash_report_enter(const char *plugin, const char *call);
void host_crash_report_leave(void);

#endif
