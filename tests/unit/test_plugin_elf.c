/*
 * test_plugin_elf.c — the ELF check the loader runs before dlopen
 * (host/plugin_elf.c), on a real plugin cut at every 100 bytes, on
 * patched copies (another machine, 32-bit, an executable), on files that
 * are not plugins at all, and on every file of the fuzz corpus
 * (tests/fuzz/corpus/plugin_elf), so inputs the fuzzer found stay fixed.
 * Where each cut must be refused is computed here from the plugin's own
 * program headers: below the end of its last PT_LOAD segment, dlopen
 * would map pages the file does not have.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_dir.h"
#include "file_read.h"
#include "plugin_elf.h"
#include "plugin_loader.h"
#include "temp_dir.h"

#define CORPUS "tests/fuzz/corpus/plugin_elf"

static unsigned char *real_plugin(const char *name, size_t *len)
{
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/lib/perp/%s.so", test_build_dir(), name) > 0);
    unsigned char *b = (unsigned char *)file_read(path, len);
    cr_assert_not_null(b, "%s not built", path);
    free(path);
    return b;
}

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(b, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

/* One past the last file byte any PT_LOAD segment maps. */
static size_t load_end(const unsigned char *b, size_t len)
{
    Elf64_Ehdr eh;
    cr_assert_geq(len, sizeof eh);
    memcpy(&eh, b, sizeof eh);
    size_t end = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, b + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_LOAD && ph.p_offset + ph.p_filesz > end)
            end = ph.p_offset + ph.p_filesz;
    }
    return end;
}

/* err is "<path>: <a reason of some words>". */
static void assert_names_file_and_reason(const char *err, const char *path)
{
    size_t n = strlen(path);
    cr_assert(strncmp(err, path, n) == 0 && strncmp(err + n, ": ", 2) == 0,
              "refusal does not start with the file: %s", err);
    cr_assert_geq(strlen(err + n + 2), 10, "no reason after the file: %s", err);
}

Test(plugin_elf, truncations_every_100_bytes_are_refused_not_signals)
{
    size_t len;
    unsigned char *b = real_plugin("rules", &len);
    size_t must_refuse = load_end(b, len);
    cr_assert_gt(must_refuse, 1000);
    cr_assert_leq(must_refuse, len);
    char *dir = temp_dir_new();
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/rules.so", dir) > 0);
    size_t refused = 0, loaded = 0;
    for (size_t n = 0; n < len; n += 100) {
        write_bytes(path, b, n);
        host_plugin pl;
        char err[512] = "";
        int rc = host_plugin_open_file(path, 0, &pl, err, sizeof err);
        if (rc == PERP_OK) {
            /* Only cuts in the section headers and debug info, which
             * dlopen never reads. */
            cr_assert_geq(n, must_refuse, "a %zu-byte cut loaded", n);
            cr_assert_str_eq(pl.desc->name, "rules");
            host_plugin_close(&pl);
            loaded++;
            continue;
        }
        cr_assert_null(pl.dl);
        assert_names_file_and_reason(err, path);
        if (n < must_refuse)
            cr_assert(strstr(err, "truncated") ||
                          strstr(err, "not an ELF file"),
                      "%zu bytes: %s", n, err);
        refused++;
    }
    cr_assert_geq(refused, must_refuse / 100);
    cr_log_info("rules.so: %zu bytes, loads end at %zu; %zu cuts refused, "
                "%zu loaded",
                len, must_refuse, refused, loaded);
    write_bytes(path, b, len);
    host_plugin pl;
    char err[512] = "";
    cr_assert_eq(host_plugin_open_file(path, 0, &pl, err, sizeof err), PERP_OK,
                 "%s", err);
    host_plugin_close(&pl);
    temp_dir_remove(dir);
    free(dir);
    free(path);
    free(b);
}

/* The real plugin with bytes patched, checked through the loader. */
static char *refusal_of_patched(const char *dir, const unsigned char *b,
                                size_t len, const size_t *at,
                                const unsigned char *val, size_t n_patches,
                                char **path_out)
{
    unsigned char *copy = malloc(len);
    cr_assert_not_null(copy);
    memcpy(copy, b, len);
    for (size_t i = 0; i < n_patches; i++)
        copy[at[i]] = val[i];
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/rules.so", dir) > 0);
    write_bytes(path, copy, len);
    host_plugin pl;
    char err[512] = "";
    cr_assert_eq(host_plugin_open_file(path, 0, &pl, err, sizeof err),
                 PERP_ERR);
    cr_assert_null(pl.dl);
    *path_out = path;
    free(copy);
    return strdup(err);
}

#if defined(__x86_64__)
Test(plugin_elf, foreign_machine_class_and_type_are_named)
{
    size_t len;
    unsigned char *b = real_plugin("rules", &len);
    char *dir = temp_dir_new();
    static const struct {
        size_t at[2];
        unsigned char val[2];
        size_t n;
        const char *reason;
    } cases[] = {
        {{18, 0}, {EM_AARCH64, 0}, 1, "built for aarch64, this host is x86-64"},
        {{EI_CLASS, 18},
         {ELFCLASS32, EM_386},
         2,
         "built for i386 (32-bit), this host is x86-64 (64-bit)"},
        {{EI_DATA, 0},
         {ELFDATA2MSB, 0},
         1,
         "built for ELF machine 15872 big-endian, this host is x86-64"},
        {{16, 0},
         {ET_EXEC, 0},
         1,
         "not a shared object: the file is an executable"},
        {{16, 0},
         {ET_REL, 0},
         1,
         "not a shared object: the file is a relocatable object (.o)"},
        {{EI_OSABI, 0}, {9, 0}, 1, "built for another OS (ELF OS ABI 9)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path;
        char *err = refusal_of_patched(dir, b, len, cases[i].at, cases[i].val,
                                       cases[i].n, &path);
        char *want = NULL;
        cr_assert(asprintf(&want, "%s: %s", path, cases[i].reason) > 0);
        cr_expect_str_eq(err, want);
        free(want);
        free(err);
        free(path);
    }
    temp_dir_remove(dir);
    free(dir);
    free(b);
}
#endif

Test(plugin_elf, non_regular_files_are_refused_without_blocking, .timeout = 20)
{
    char *dir = temp_dir_new();
    char *fifo = NULL, *sub = NULL, *loop = NULL, *text = NULL;
    cr_assert(asprintf(&fifo, "%s/fifo.so", dir) > 0);
    cr_assert(asprintf(&sub, "%s/dir.so", dir) > 0);
    cr_assert(asprintf(&loop, "%s/evil.so", dir) > 0);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(symlink("evil.so", loop), 0);
    text = temp_dir_write(dir, "script.so", "GROUP ( libc.so.6 )\n");
    const struct {
        const char *path, *reason;
    } cases[] = {
        {fifo, "cannot open: not a regular file (a FIFO)"},
        {sub, "cannot open: not a regular file (a directory)"},
        {loop, "cannot open: Too many levels of symbolic links"},
        {text, "not an ELF file (text, such as a linker script)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        host_plugin pl;
        char err[512] = "";
        cr_assert_eq(
            host_plugin_open_file(cases[i].path, 0, &pl, err, sizeof err),
            PERP_ERR);
        char *want = NULL;
        cr_assert(asprintf(&want, "%s: %s", cases[i].path, cases[i].reason) >
                  0);
        cr_expect_str_eq(err, want);
        free(want);
    }
    /* By name, a symlink loop says why instead of "no plugin 'evil'". */
    const char *dirs[] = {dir};
    unsetenv("PERP_PLUGIN_PATH");
    host_plugin_path p;
    host_plugin_path_init(&p, dirs, 1);
    host_plugin pl;
    char err[512] = "";
    cr_assert_eq(host_plugin_open(&p, "evil", 0, &pl, err, sizeof err),
                 PERP_ERR);
    cr_expect(strstr(err, "evil.so: cannot open: Too many levels of "
                          "symbolic links"),
              "%s", err);
    host_plugin_path_free(&p);
    temp_dir_remove(dir);
    free(dir);
    free(fifo);
    free(sub);
    free(loop);
    free(text);
}

Test(plugin_elf, plugin_dirs_are_checked)
{
    char err[512] = "";
    cr_assert_eq(host_plugin_dir_check("/nonexistent/perpd", err, sizeof err),
                 -1);
    cr_expect_str_eq(err, "'/nonexistent/perpd': No such file or directory");
    char *dir = temp_dir_new();
    char *file = temp_dir_write(dir, "hostname", "x\n");
    cr_assert_eq(host_plugin_dir_check(file, err, sizeof err), -1);
    char *want = NULL;
    cr_assert(asprintf(&want, "'%s': not a directory", file) > 0);
    cr_expect_str_eq(err, want);
    cr_assert_eq(host_plugin_dir_check(dir, err, sizeof err), 0);
    temp_dir_remove(dir);
    free(want);
    free(file);
    free(dir);
}

/* Seeds of tests/fuzz/make_elf_seeds.sh and their outcome; NULL: the
 * check passes. Files the fuzzer added must just get an answer. */
static int expected(const char *name, const char **reason)
{
    static const struct {
        const char *file, *reason;
    } known[] = {
        {"entry_gnu_hash.so", NULL},
        {"entry_sysv_hash.so", NULL},
        {"no_entry.so", "no perp_plugin_entry symbol (not a perpd plugin?)"},
        {"entry_is_data.so", "perp_plugin_entry is not an exported function"},
        {"truncated_700.so", "truncated: segment 1 (PT_LOAD) ends at byte "
                             "800, the file has 700 bytes"},
        {"truncated_header.so",
         "truncated: 40 bytes, shorter than an ELF header"},
        {"machine_aarch64.so", "built for aarch64, this host is x86-64"},
        {"class_32bit_i386.so",
         "built for i386 (32-bit), this host is x86-64 (64-bit)"},
        {"type_executable.so",
         "not a shared object: the file is an executable"},
        {"linker_script.so", "not an ELF file (text, such as a linker script)"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].file, name) == 0) {
            *reason = known[i].reason;
            return 1;
        }
    return 0;
}

Test(plugin_elf, fuzz_corpus_gets_an_answer_for_every_file)
{
    DIR *d = opendir(CORPUS);
    cr_assert_not_null(d, "run from the repo root: %s missing", CORPUS);
    struct dirent *e;
    size_t files = 0, known = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", CORPUS, e->d_name);
        unsigned char *b = (unsigned char *)file_read(path, &len);
        cr_assert_not_null(b, "%s", path);
        char err[256] = "";
        int rc = host_elf_check_image(b, len, err, sizeof err);
        cr_expect(rc == 0 || strlen(err) > 5, "%s: refused without a reason",
                  e->d_name);
        /* The file path gives the same answer as the image. */
        FILE *f = fopen(path, "rb");
        char err2[256] = "";
        cr_assert_not_null(f);
        cr_expect_eq(host_elf_check_fd(fileno(f), err2, sizeof err2), rc);
        cr_expect_str_eq(err2, err);
        fclose(f);
        const char *reason;
        if (expected(e->d_name, &reason)) {
            known++;
#if defined(__x86_64__)
            if (!reason)
                cr_expect_eq(rc, 0, "%s: %s", e->d_name, err);
            else
                cr_expect_str_eq(err, reason, "%s", e->d_name);
#endif
        }
        free(b);
        files++;
    }
    closedir(d);
    cr_expect_eq(known, 10, "a seed of make_elf_seeds.sh is missing");
    cr_log_info("%zu corpus files", files);
}

Test(plugin_elf, machine_names)
{
    cr_expect_str_eq(host_elf_machine_name(EM_X86_64), "x86-64");
    cr_expect_str_eq(host_elf_machine_name(EM_AARCH64), "aarch64");
    cr_expect_null(host_elf_machine_name(0xfffe));
}
