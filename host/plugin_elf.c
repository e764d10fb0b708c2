/*
 * plugin_elf.c — the pre-dlopen ELF check; see plugin_elf.h. Reads go
 * through one bounds-checked function over either a file (pread) or a
 * memory image (the fuzz target), so no path here can read past the
 * bytes it was given. Offsets are uint64_t and every sum is checked
 * against the size before use.
 */
#include "plugin_elf.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <perp/sdk.h>

/* The host's own ELF flavour: what a loadable plugin must match. */
#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Ehdr ehdr_t;
typedef Elf64_Phdr phdr_t;
typedef Elf64_Dyn dyn_t;
typedef Elf64_Sym sym_t;
typedef uint64_t bloom_word;
#define HOST_CLASS ELFCLASS64
#define HOST_BITS  64
#define ST_BIND    ELF64_ST_BIND
#define ST_TYPE    ELF64_ST_TYPE
#define ST_VIS     ELF64_ST_VISIBILITY
#else
typedef Elf32_Ehdr ehdr_t;
typedef Elf32_Phdr phdr_t;
typedef Elf32_Dyn dyn_t;
typedef Elf32_Sym sym_t;
typedef uint32_t bloom_word;
#define HOST_CLASS ELFCLASS32
#define HOST_BITS  32
#define ST_BIND    ELF32_ST_BIND
#define ST_TYPE    ELF32_ST_TYPE
#define ST_VIS     ELF32_ST_VISIBILITY
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_DATA ELFDATA2LSB
#else
#define HOST_DATA ELFDATA2MSB
#endif

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__i386__)
#define HOST_MACHINE EM_386
#elif defined(__arm__)
#define HOST_MACHINE EM_ARM
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#elif defined(__powerpc__)
#define HOST_MACHINE EM_PPC
#elif defined(__s390__)
#define HOST_MACHINE EM_S390
#elif defined(__loongarch__)
#define HOST_MACHINE 258 /* EM_LOONGARCH */
#elif defined(__mips__)
#define HOST_MACHINE EM_MIPS
#else
#define HOST_MACHINE 0 /* unknown: the machine is not checked */
#endif

/* ------------------------------------------------------------ reading */

typedef struct src {
    int fd;                   /* -1 for an image */
    const unsigned char *mem; /* the image, or NULL */
    uint64_t size;
} src;

/* n bytes at off into dst; -1 if any of them lies past the end (or the
 * file shrank under us). */
static int rd(const src *s, uint64_t off, void *dst, size_t n)
{
    if (off > s->size || n > s->size - off)
        return -1;
    if (s->mem) {
        memcpy(dst, s->mem + off, n);
        return 0;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r =
            pread(s->fd, (char *)dst + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static int fail(char *err, size_t len, const char *fmt, ...) PERP_PRINTF(3, 4);

static int fail(char *err, size_t len, const char *fmt, ...)
{
    if (err && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ------------------------------------------------------------ header */

const char *host_elf_machine_name(unsigned machine)
{
    switch (machine) {
    case EM_X86_64:
        return "x86-64";
    case EM_386:
        return "i386";
    case EM_AARCH64:
        return "aarch64";
    case EM_ARM:
        return "arm";
    case EM_RISCV:
        return "riscv";
    case EM_PPC64:
        return "ppc64";
    case EM_PPC:
        return "ppc";
    case EM_S390:
        return "s390";
    case EM_MIPS:
        return "mips";
    case EM_SPARCV9:
        return "sparc64";
    case 258:
        return "loongarch";
    }
    return NULL;
}

static void machine_text(unsigned m, int bits, char *buf, size_t len)
{
    const char *name = host_elf_machine_name(m);
    if (name)
        snprintf(buf, len, "%s (%d-bit)", name, bits);
    else
        snprintf(buf, len, "ELF machine %u (%d-bit)", m, bits);
}

/* 1 if the first bytes are printable text (libc.so is a linker script
 * that the link editor reads and dlopen cannot). */
static int looks_like_text(const src *s)
{
    unsigned char head[64];
    size_t n = s->size < sizeof head ? (size_t)s->size : sizeof head;
    if (n == 0 || rd(s, 0, head, n) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (head[i] != '\n' && head[i] != '\t' && head[i] != '\r' &&
            (head[i] < 0x20 || head[i] > 0x7e))
            return 0;
    return 1;
}

/* Class, byte order, machine, version and OS ABI, read before the rest
 * of the header is trusted: a foreign file gets the clearest message. */
static int check_ident(const src *s, char *err, size_t len)
{
    unsigned char id[EI_NIDENT + 4];
    if (rd(s, 0, id, 4) != 0 || memcmp(id, ELFMAG, SELFMAG) != 0)
        return fail(err, len, "not an ELF file (%s)",
                    looks_like_text(s) ? "text, such as a linker script"
                                       : "no ELF header");
    if (rd(s, 0, id, sizeof id) != 0)
        return fail(err, len,
                    "truncated: %" PRIu64 " bytes, shorter than an ELF header",
                    s->size);
    int cls = id[EI_CLASS], data = id[EI_DATA];
    if ((cls != ELFCLASS32 && cls != ELFCLASS64) ||
        (data != ELFDATA2LSB && data != ELFDATA2MSB))
        return fail(err, len, "not an ELF file (class %d, byte order %d)", cls,
                    data);
    /* e_machine sits at byte 18 in both classes. */
    unsigned m = data == ELFDATA2LSB ? (unsigned)id[18] | (unsigned)id[19] << 8
                                     : (unsigned)id[19] | (unsigned)id[18] << 8;
    int bits = cls == ELFCLASS64 ? 64 : 32;
    if (cls != HOST_CLASS || data != HOST_DATA ||
        (HOST_MACHINE && m != HOST_MACHINE)) {
        char theirs[64], ours[64];
        machine_text(m, bits, theirs, sizeof theirs);
        machine_text(HOST_MACHINE, HOST_BITS, ours, sizeof ours);
        /* The bit width only when it is what differs. */
        if (cls == HOST_CLASS) {
            *strrchr(theirs, ' ') = '\0';
            *strrchr(ours, ' ') = '\0';
        }
        if (data != HOST_DATA)
            return fail(err, len, "built for %s %s-endian, this host is %s",
                        theirs, data == ELFDATA2LSB ? "little" : "big", ours);
        return fail(err, len, "built for %s, this host is %s", theirs, ours);
    }
    if (id[EI_VERSION] != EV_CURRENT)
        return fail(err, len, "unsupported ELF version %d", id[EI_VERSION]);
    if (id[EI_OSABI] != ELFOSABI_SYSV && id[EI_OSABI] != ELFOSABI_GNU)
        return fail(err, len, "built for another OS (ELF OS ABI %d)",
                    id[EI_OSABI]);
    return 0;
}

static const char *type_text(unsigned t)
{
    switch (t) {
    case ET_EXEC:
        return "an executable";
    case ET_REL:
        return "a relocatable object (.o)";
    case ET_CORE:
        return "a core dump";
    }
    return "of an unknown ELF type";
}

static int check_header(const src *s, ehdr_t *eh, char *err, size_t len)
{
    if (check_ident(s, err, len) != 0)
        return -1;
    if (rd(s, 0, eh, sizeof *eh) != 0)
        return fail(err, len,
                    "truncated: %" PRIu64 " bytes, shorter than an ELF header",
                    s->size);
    if (eh->e_type != ET_DYN)
        return fail(err, len, "not a shared object: the file is %s",
                    type_text(eh->e_type));
    if (eh->e_phentsize != sizeof(phdr_t))
        return fail(err, len, "program header entries are %u bytes, not %zu",
                    (unsigned)eh->e_phentsize, sizeof(phdr_t));
    if (eh->e_phnum == 0 || eh->e_phnum == PN_XNUM)
        return fail(err, len, "no program headers (or too many: %u)",
                    (unsigned)eh->e_phnum);
    uint64_t end =
        (uint64_t)eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(phdr_t);
    if (eh->e_phoff > s->size || end > s->size)
        return fail(err, len,
                    "truncated: program headers end at byte %" PRIu64
                    ", the file has %" PRIu64,
                    end, s->size);
    return 0;
}

/* ---------------------------------------------------------- segments */

typedef struct image {
    const src *s;
    phdr_t *ph; /* owned */
    unsigned n_ph;
} image;

/* Every PT_LOAD inside the file: what keeps dlopen from mapping pages
 * the file does not have (SIGBUS on first touch). */
static int check_segments(const image *im, const phdr_t **dyn, char *err,
                          size_t len)
{
    unsigned loads = 0;
    *dyn = NULL;
    for (unsigned i = 0; i < im->n_ph; i++) {
        const phdr_t *p = &im->ph[i];
        if (p->p_type == PT_DYNAMIC)
            *dyn = p;
        if (p->p_type != PT_LOAD && p->p_type != PT_DYNAMIC)
            continue;
        uint64_t off = p->p_offset, fsz = p->p_filesz;
        if (off > im->s->size || fsz > im->s->size - off)
            return fail(err, len,
                        "truncated: segment %u (%s) ends at byte %" PRIu64
                        ", the file has %" PRIu64 " bytes",
                        i, p->p_type == PT_LOAD ? "PT_LOAD" : "PT_DYNAMIC",
                        off + fsz, im->s->size);
        if (p->p_type == PT_LOAD && fsz > (uint64_t)p->p_memsz)
            return fail(err, len,
                        "segment %u (PT_LOAD) has more file bytes (%" PRIu64
                        ") than memory (%" PRIu64 ")",
                        i, fsz, (uint64_t)p->p_memsz);
        loads += p->p_type == PT_LOAD;
    }
    if (loads == 0)
        return fail(err, len, "no loadable segment (PT_LOAD)");
    if (!*dyn)
        return fail(err, len,
                    "no dynamic section (PT_DYNAMIC): not a shared library");
    return 0;
}

/* File offset of n bytes at virtual address va, if a PT_LOAD holds them
 * in its file part. */
static int va_to_off(const image *im, uint64_t va, uint64_t n, uint64_t *off)
{
    for (unsigned i = 0; i < im->n_ph; i++) {
        const phdr_t *p = &im->ph[i];
        if (p->p_type != PT_LOAD || va < p->p_vaddr)
            continue;
        uint64_t rel = va - p->p_vaddr;
        if (rel > p->p_filesz || n > p->p_filesz - rel)
            continue;
        *off = p->p_offset + rel;
        return 0;
    }
    return -1;
}

/* ------------------------------------------------------------ symbols */

typedef struct dyn_tables {
    uint64_t symtab, strtab, strsz, syment, gnu_hash, sysv_hash; /* VAs */
    int has_gnu, has_sysv;
} dyn_tables;

static int read_dynamic(const image *im, const phdr_t *dyn, dyn_tables *t,
                        char *err, size_t len)
{
    memset(t, 0, sizeof *t);
    uint64_t n = dyn->p_filesz / sizeof(dyn_t);
    int has_sym = 0, has_str = 0;
    for (uint64_t i = 0; i < n; i++) {
        dyn_t d;
        if (rd(im->s, dyn->p_offset + i * sizeof d, &d, sizeof d) != 0)
            return fail(err, len, "truncated dynamic section");
        if (d.d_tag == DT_NULL)
            break;
        uint64_t v = (uint64_t)d.d_un.d_val;
        switch (d.d_tag) {
        case DT_SYMTAB:
            t->symtab = v, has_sym = 1;
            break;
        case DT_STRTAB:
            t->strtab = v, has_str = 1;
            break;
        case DT_STRSZ:
            t->strsz = v;
            break;
        case DT_SYMENT:
            t->syment = v;
            break;
        case DT_GNU_HASH:
            t->gnu_hash = v, t->has_gnu = 1;
            break;
        case DT_HASH:
            t->sysv_hash = v, t->has_sysv = 1;
            break;
        }
    }
    if (!has_sym || !has_str || t->strsz == 0)
        return fail(err, len, "no dynamic symbol table");
    if (t->syment && t->syment != sizeof(sym_t))
        return fail(err, len, "dynamic symbols are %" PRIu64 " bytes, not %zu",
                    t->syment, sizeof(sym_t));
    if (!t->has_gnu && !t->has_sysv)
        return fail(err, len, "no symbol hash table (DT_GNU_HASH or DT_HASH)");
    return 0;
}

/* What a lookup needs, as file offsets. */
typedef struct symtab {
    const image *im;
    uint64_t sym_off, str_off, str_len;
    const char *name;
    size_t name_len; /* with its NUL */
} symtab;

/* 1 if symbol i is called `name`, 0 if not, -1 if it lies outside the
 * file. On 1, *sym holds it. */
static int sym_is(const symtab *t, uint64_t i, sym_t *sym)
{
    char buf[64];
    if (rd(t->im->s, t->sym_off + i * sizeof *sym, sym, sizeof *sym) != 0)
        return -1;
    uint64_t at = sym->st_name;
    if (at >= t->str_len || t->name_len > t->str_len - at)
        return 0;
    if (t->name_len > sizeof buf ||
        rd(t->im->s, t->str_off + at, buf, t->name_len) != 0)
        return -1;
    return memcmp(buf, t->name, t->name_len) == 0;
}

static uint32_t gnu_hash(const char *s)
{
    uint32_t h = 5381;
    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

static uint32_t sysv_hash(const char *s)
{
    uint32_t h = 0;
    for (; *s; s++) {
        h = (h << 4) + (unsigned char)*s;
        uint32_t g = h & 0xf0000000u;
        if (g)
            h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

/* glibc's dl-lookup over DT_GNU_HASH: bloom filter, bucket, chain.
 * 1 found (*sym), 0 absent, -1 a table outside the file. */
static int gnu_lookup(const symtab *t, uint64_t off, sym_t *sym)
{
    const src *s = t->im->s;
    uint32_t hdr[4]; /* nbuckets, symoffset, bloom_size, bloom_shift */
    if (rd(s, off, hdr, sizeof hdr) != 0 || hdr[2] == 0 || hdr[3] >= 32)
        return -1;
    uint32_t h = gnu_hash(t->name);
    const unsigned bits = 8 * sizeof(bloom_word);
    bloom_word word;
    uint64_t bloom = off + sizeof hdr;
    if (rd(s, bloom + (uint64_t)((h / bits) % hdr[2]) * sizeof word, &word,
           sizeof word) != 0)
        return -1;
    bloom_word mask = ((bloom_word)1 << (h % bits)) |
                      ((bloom_word)1 << ((h >> hdr[3]) % bits));
    if ((word & mask) != mask || hdr[0] == 0)
        return 0;
    uint64_t buckets = bloom + (uint64_t)hdr[2] * sizeof word;
    uint64_t chain = buckets + (uint64_t)hdr[0] * 4;
    uint32_t idx;
    if (rd(s, buckets + (uint64_t)(h % hdr[0]) * 4, &idx, 4) != 0)
        return -1;
    if (idx < hdr[1])
        return 0;
    /* Each step reads a new 4-byte chain word, so the file size bounds
     * the walk. */
    for (uint64_t i = idx; i - idx <= s->size / 4; i++) {
        uint32_t h2;
        if (rd(s, chain + (i - hdr[1]) * 4, &h2, 4) != 0)
            return -1;
        if ((h | 1) == (h2 | 1)) {
            int r = sym_is(t, i, sym);
            if (r != 0)
                return r;
        }
        if (h2 & 1)
            return 0;
    }
    return -1;
}

/* The classic DT_HASH: bucket, then chain until STN_UNDEF. */
static int sysv_lookup(const symtab *t, uint64_t off, sym_t *sym)
{
    const src *s = t->im->s;
    uint32_t hdr[2]; /* nbucket, nchain */
    if (rd(s, off, hdr, sizeof hdr) != 0 || hdr[0] == 0)
        return -1;
    uint32_t i;
    if (rd(s, off + 8 + (uint64_t)(sysv_hash(t->name) % hdr[0]) * 4, &i, 4) !=
        0)
        return -1;
    uint64_t chain = off + 8 + (uint64_t)hdr[0] * 4;
    /* nchain comes from the file and may say 4 billion: a chain longer
     * than the file has words loops, and is refused. */
    for (uint64_t steps = 0; i != STN_UNDEF; steps++) {
        if (i >= hdr[1] || steps > s->size / 4)
            return -1;
        int r = sym_is(t, i, sym);
        if (r != 0)
            return r;
        if (rd(s, chain + (uint64_t)i * 4, &i, 4) != 0)
            return -1;
    }
    return 0;
}

static int check_entry(const image *im, const phdr_t *dyn, char *err,
                       size_t len)
{
    dyn_tables t;
    if (read_dynamic(im, dyn, &t, err, len) != 0)
        return -1;
    symtab st = {
        im, 0, 0, t.strsz, PERP_ENTRY_SYMBOL, sizeof PERP_ENTRY_SYMBOL};
    uint64_t hash_off;
    uint64_t hash_va = t.has_gnu ? t.gnu_hash : t.sysv_hash;
    if (va_to_off(im, t.symtab, sizeof(sym_t), &st.sym_off) != 0 ||
        va_to_off(im, t.strtab, t.strsz, &st.str_off) != 0 ||
        va_to_off(im, hash_va, 8, &hash_off) != 0)
        return fail(err, len,
                    "dynamic symbol tables lie outside the file's loaded "
                    "bytes");
    sym_t sym;
    int r = t.has_gnu ? gnu_lookup(&st, hash_off, &sym)
                      : sysv_lookup(&st, hash_off, &sym);
    if (r < 0)
        return fail(err, len, "damaged symbol hash table");
    if (r == 0 || sym.st_shndx == SHN_UNDEF)
        return fail(err, len, "no %s symbol (not a perpd plugin?)",
                    PERP_ENTRY_SYMBOL);
    int bind = ST_BIND(sym.st_info);
    if (ST_TYPE(sym.st_info) != STT_FUNC ||
        (bind != STB_GLOBAL && bind != STB_WEAK) ||
        ST_VIS(sym.st_other) != STV_DEFAULT)
        return fail(err, len, "%s is not an exported function",
                    PERP_ENTRY_SYMBOL);
    return 0;
}

/* ------------------------------------------------------------- entry */

static int check(const src *s, char *err, size_t len)
{
    ehdr_t eh;
    if (check_header(s, &eh, err, len) != 0)
        return -1;
    image im = {s, malloc((size_t)eh.e_phnum * sizeof(phdr_t)), eh.e_phnum};
    if (!im.ph)
        return fail(err, len, "out of memory");
    int rc = -1;
    const phdr_t *dyn;
    if (rd(s, eh.e_phoff, im.ph, (size_t)eh.e_phnum * sizeof(phdr_t)) != 0)
        fail(err, len, "cannot read the program headers");
    else if (check_segments(&im, &dyn, err, len) == 0)
        rc = check_entry(&im, dyn, err, len);
    free(im.ph);
    return rc;
}

int host_elf_check_image(const unsigned char *image, size_t size, char *err,
                         size_t err_len)
{
    src s = {-1, image, size};
    return check(&s, err, err_len);
}

int host_elf_check_fd(int fd, char *err, size_t err_len)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fail(err, err_len, "cannot stat: %s", strerror(errno));
    src s = {fd, NULL, (uint64_t)st.st_size};
    return check(&s, err, err_len);
}
