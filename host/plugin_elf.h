/*
 * plugin_elf.h — vets a plugin file as an ELF shared object before dlopen
 * sees it. dlopen trusts its input: a truncated file is mapped past its
 * end and the first touch of a missing page kills the process with
 * SIGBUS; a library's constructors run before the host can look for the
 * entry symbol; a foreign architecture is reported with glibc's "No such
 * file or directory". This check reads the file with plain reads and
 * refuses, with a reason, anything dlopen could not load safely:
 *   - not an ELF file, or an ELF of another class (32/64-bit), byte
 *     order, OS ABI, machine ("built for aarch64, this host is x86-64")
 *     or type (an executable, an object file, a core dump);
 *   - program headers or any PT_LOAD segment not wholly inside the file;
 *   - no PT_DYNAMIC, or dynamic tables outside the loaded file bytes;
 *   - no defined, global, default-visibility function perp_plugin_entry
 *     in the dynamic symbol table, found through the object's own hash
 *     table (DT_GNU_HASH or DT_HASH) the way dlsym would find it.
 * Every read is bounds-checked and every loop bounded by the file size,
 * so any bytes at all give an answer (tests/fuzz/fuzz_plugin_elf.c).
 */
#ifndef HOST_PLUGIN_ELF_H
#define HOST_PLUGIN_ELF_H

#include <stddef.h>
#include <stdint.h>

/* Checks the open regular file fd (read with pread; the offset is left
 * alone). 0, or -1 with a one-line reason in err (without the path, which
 * the caller prefixes). */
int host_elf_check_fd(int fd, char *err, size_t err_len);

/* The same over bytes in memory (image[0..size) is the whole file). */
int host_elf_check_image(const unsigned char *image, size_t size, char *err,
                         size_t err_len);

/* "x86-64", "aarch64", ... for an ELF e_machine value; NULL if unknown. */
const char *host_elf_machine_name(unsigned machine);

#endif
