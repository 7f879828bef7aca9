/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ELF side of mkrootfs: host programs copied with the shared libraries they load, and busybox with its applet
 * links. Libraries are found from the ELF headers (PT_INTERP, DT_NEEDED, DT_RUNPATH/DT_RPATH) and the loader's search
 * rules; no program is run, so a copied program cannot do anything while we look at it.
 *
 * The headers are data from files anyone may have made (a program given to --copy, a library in its RUNPATH), read by
 * root: a name they give is checked before it becomes a path (a PT_INTERP or a DT_NEEDED path must be absolute
 * without ".."), a path found through RUNPATH ("$ORIGIN/../lib") is normalised lexically, and every destination is
 * reached below the tree's descriptor (sbx_mkrootfs_mkparent), so that even a crafted name cannot leave the tree. */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkrootfs.h"

struct elf_info {
        char interp[4096];
        char *needed[64];
        size_t n_needed;
        char runpath[4096];
        uint16_t machine;
        bool is_elf;
};

static void elf_info_done(struct elf_info *e)
{
        for (size_t i = 0; i < e->n_needed; i++)
                free(e->needed[i]);
        e->n_needed = 0;
}

/* The directory part of the absolute path `path` ("/" for "/x"). */
static void parent_of(const char *path, char *buf, size_t size)
{
        (void)strlcpy(buf, path, size);
        char *s = strrchr(buf, '/');
        if (!s)
                buf[0] = '\0';
        else if (s == buf)
                s[1] = '\0';
        else
                *s = '\0';
}

/* Whether the path p has a ".." component. */
static bool has_dotdot(const char *p)
{
        for (;;) {
                p += strspn(p, "/");
                size_t n = strcspn(p, "/");
                if (n == 0)
                        return false;
                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return true;
                p += n;
        }
}

/* Normalises the path `path` lexically into `ret`, relative to the top of the tree (no leading '/'; "" for the top):
 * empty and "." components go, ".." takes the component before it away and stays at the top, as the kernel resolves
 * it where no component is a symbolic link (no directory mkrootfs makes is one). */
static int normalize(const char *path, char *ret, size_t size)
{
        size_t len = 0;
        ret[0] = '\0';
        for (const char *p = path;;) {
                p += strspn(p, "/");
                size_t n = strcspn(p, "/");
                if (n == 0)
                        return 0;
                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        char *s = strrchr(ret, '/');
                        len = s ? (size_t)(s - ret) : 0;
                        ret[len] = '\0';
                } else if (!(n == 1 && p[0] == '.')) {
                        if (len + 1 + n + 1 > size)
                                return -ENAMETOOLONG;
                        if (len)
                                ret[len++] = '/';
                        memcpy(ret + len, p, n);
                        len += n;
                        ret[len] = '\0';
                }
                p += n;
        }
}

static bool pread_all(int fd, void *buf, size_t len, off_t off)
{
        return pread(fd, buf, len, off) == (ssize_t)len;
}

/* The file offset of virtual address `addr`, through the PT_LOAD segments. */
static off_t vaddr_to_off(const Elf64_Phdr *ph, size_t n, Elf64_Addr addr)
{
        for (size_t i = 0; i < n; i++)
                if (ph[i].p_type == PT_LOAD && addr >= ph[i].p_vaddr && addr < ph[i].p_vaddr + ph[i].p_filesz)
                        return (off_t)(addr - ph[i].p_vaddr + ph[i].p_offset);
        return -1;
}

static int elf_read(const char *path, struct elf_info *e, struct sbx_err *err)
{
        *e = (struct elf_info){0};
        /* O_NONBLOCK: a FIFO planted where a library is looked for must not hang us. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return sbx_err_set(err, errno, "open '%s'", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return sbx_err_set(err, errno, "stat '%s'", path);
        if (!S_ISREG(st.st_mode))
                return sbx_err_setx(err, EINVAL, "'%s' is not a regular file", path);
        Elf64_Ehdr eh;
        if (!pread_all(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
                return 0; /* not ELF: a script, copied alone */
        e->is_elf = true;
        if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 128)
                return sbx_err_setx(err, ENOEXEC, "'%s' is not a 64-bit ELF file", path);
        e->machine = eh.e_machine;
        Elf64_Phdr ph[128];
        if (!pread_all(fd, ph, eh.e_phnum * sizeof(Elf64_Phdr), (off_t)eh.e_phoff))
                return sbx_err_setx(err, ENOEXEC, "'%s': truncated program headers", path);
        const Elf64_Phdr *dyn = NULL;
        for (size_t i = 0; i < eh.e_phnum; i++) {
                if (ph[i].p_type == PT_INTERP && ph[i].p_filesz < sizeof(e->interp)) {
                        if (!pread_all(fd, e->interp, ph[i].p_filesz, (off_t)ph[i].p_offset))
                                return sbx_err_setx(err, ENOEXEC, "'%s': truncated interpreter", path);
                        e->interp[ph[i].p_filesz] = '\0';
                }
                if (ph[i].p_type == PT_DYNAMIC)
                        dyn = &ph[i];
        }
        if (!dyn)
                return 0; /* static */
        size_t n_dyn = dyn->p_filesz / sizeof(Elf64_Dyn);
        if (n_dyn > 4096)
                return sbx_err_setx(err, ENOEXEC, "'%s': dynamic section too large", path);
        _cleanup_free_ Elf64_Dyn *d = calloc(n_dyn ? n_dyn : 1, sizeof(*d));
        if (!d)
                return sbx_err_set(err, ENOMEM, "'%s'", path);
        if (!pread_all(fd, d, n_dyn * sizeof(*d), (off_t)dyn->p_offset))
                return sbx_err_setx(err, ENOEXEC, "'%s': truncated dynamic section", path);
        off_t strtab = -1;
        for (size_t i = 0; i < n_dyn && d[i].d_tag != DT_NULL; i++)
                if (d[i].d_tag == DT_STRTAB)
                        strtab = vaddr_to_off(ph, eh.e_phnum, d[i].d_un.d_ptr);
        if (strtab < 0)
                return sbx_err_setx(err, ENOEXEC, "'%s': no string table", path);
        for (size_t i = 0; i < n_dyn && d[i].d_tag != DT_NULL; i++) {
                if (d[i].d_tag != DT_NEEDED && d[i].d_tag != DT_RUNPATH && d[i].d_tag != DT_RPATH)
                        continue;
                char s[4096];
                ssize_t n = pread(fd, s, sizeof(s) - 1, strtab + (off_t)d[i].d_un.d_val);
                if (n <= 0)
                        return sbx_err_setx(err, ENOEXEC, "'%s': bad string offset", path);
                s[n] = '\0';
                if (d[i].d_tag != DT_NEEDED) {
                        (void)strlcpy(e->runpath, s, sizeof(e->runpath));
                        continue;
                }
                if (e->n_needed == ELEMENTSOF(e->needed))
                        return sbx_err_setx(err, E2BIG, "'%s': too many libraries", path);
                if (!(e->needed[e->n_needed++] = strdup(s)))
                        return sbx_err_set(err, ENOMEM, "'%s'", path);
        }
        return 0;
}

/* ---- library search ---- */

struct search {
        char *dirs[128];
        size_t n;
};

static void search_add(struct search *s, const char *d)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->dirs[i], d))
                        return;
        if (s->n < ELEMENTSOF(s->dirs) && d[0] == '/')
                s->dirs[s->n] = strdup(d), s->n += s->dirs[s->n] != NULL;
}

static void search_done(struct search *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->dirs[i]);
        s->n = 0;
}

static void read_ld_conf(struct search *s, const char *path, int depth)
{
        _cleanup_fclose_ FILE *f = depth < 4 ? fopen(path, "re") : NULL;
        char line[4096];
        while (f && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "#\r\n")] = '\0';
                char *p = line + strspn(line, " \t");
                if (strncmp(p, "include", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
                        glob_t g;
                        p += 8 + strspn(p + 8, " \t");
                        if (glob(p, 0, NULL, &g) == 0)
                                for (size_t i = 0; i < g.gl_pathc; i++)
                                        read_ld_conf(s, g.gl_pathv[i], depth + 1);
                        globfree(&g);
                        continue;
                }
                p[strcspn(p, " \t")] = '\0';
                if (*p)
                        search_add(s, p);
        }
}

/* Finds lib for the object `from` (its directory is $ORIGIN) of machine `machine`. */
static int find_lib(const char *lib, const char *from, const struct elf_info *fe, char *ret, size_t size)
{
        struct search s = {0};
        char origin[4096];
        parent_of(from, origin, sizeof(origin));
        char rp[4096];
        (void)strlcpy(rp, fe->runpath, sizeof(rp));
        char *save = NULL;
        for (char *d = strtok_r(rp, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                char buf[8192];
                /* The loader's $ORIGIN is the directory of the object; the result is normalised when copied. */
                if (strncmp(d, "$ORIGIN", 7) == 0)
                        (void)snprintf(buf, sizeof(buf), "%s%s", origin, d + 7);
                else if (strncmp(d, "${ORIGIN}", 9) == 0)
                        (void)snprintf(buf, sizeof(buf), "%s%s", origin, d + 9);
                else
                        (void)strlcpy(buf, d, sizeof(buf));
                search_add(&s, buf);
        }
        read_ld_conf(&s, "/etc/ld.so.conf", 0);
        static const char *const defaults[] = {"/lib", "/usr/lib", "/lib64", "/usr/lib64"};
        for (size_t i = 0; i < ELEMENTSOF(defaults); i++)
                search_add(&s, defaults[i]);
        int r = -ENOENT;
        for (size_t i = 0; i < s.n && r < 0; i++) {
                struct elf_info e;
                (void)snprintf(ret, size, "%s/%s", s.dirs[i], lib);
                if (access(ret, R_OK) < 0)
                        continue;
                /* A library of another architecture in a shared directory is not the one the loader takes. */
                if (elf_read(ret, &e, NULL) == 0 && e.is_elf && e.machine == fe->machine)
                        r = 0;
                elf_info_done(&e);
        }
        search_done(&s);
        return r;
}

/* A name an ELF object gives for what it loads, checked before it becomes a path: the loader takes a relative
 * PT_INTERP, or a DT_NEEDED holding a '/', relative to the working directory at exec time, which is nothing we can
 * copy, and a ".." in either could name a destination outside the tree. A plain DT_NEEDED name is searched for. */
static int check_names(const char *path, const struct elf_info *e, struct sbx_err *err)
{
        if (e->interp[0] && (e->interp[0] != '/' || has_dotdot(e->interp)))
                return sbx_err_setx(err, EINVAL,
                                    "'%s': its ELF interpreter (PT_INTERP) '%s' is not an absolute "
                                    "path without '..' (refused)",
                                    path, e->interp);
        for (size_t i = 0; i < e->n_needed; i++) {
                const char *n = e->needed[i];
                bool bad = strchr(n, '/') ? n[0] != '/' || has_dotdot(n) : !n[0] || streq(n, ".") || streq(n, "..");
                if (bad)
                        return sbx_err_setx(err, EINVAL,
                                            "'%s': the library it needs (DT_NEEDED) '%s' is neither a "
                                            "plain name nor an absolute path without '..' (refused)",
                                            path, n);
        }
        return 0;
}

/* Adds the directory of the library at `path` (normalised, absolute) to the '\n'-separated list *libdirs. */
static void libdirs_add(char **libdirs, const char *path)
{
        char rel[4096], dir[4100];
        if (!libdirs || normalize(path, rel, sizeof(rel)) < 0)
                return;
        char *s = strrchr(rel, '/');
        if (s)
                *s = '\0';
        else
                rel[0] = '\0';
        (void)snprintf(dir, sizeof(dir), "/%s", rel);
        size_t dl = strlen(dir);
        for (const char *p = *libdirs; p && *p; p += strcspn(p, "\n") + 1)
                if (strncmp(p, dir, dl) == 0 && p[dl] == '\n')
                        return;
        char *n = NULL;
        if (asprintf(&n, "%s%s\n", *libdirs ? *libdirs : "", dir) < 0)
                return;
        free(*libdirs);
        *libdirs = n;
}

static int copy_tree(const struct sbx_mkrootfs_tree *t, const char *path, char **libdirs, int depth,
                     struct sbx_err *err);

/* Copies what the ELF object at `path` (described by e, checked) loads: its interpreter and its libraries. */
static int copy_deps(const struct sbx_mkrootfs_tree *t, const char *path, const struct elf_info *e, char **libdirs,
                     int depth, struct sbx_err *err)
{
        int r = 0;
        if (e->interp[0])
                r = copy_tree(t, e->interp, libdirs, depth + 1, err);
        for (size_t i = 0; r == 0 && i < e->n_needed; i++) {
                char lib[8192];
                if (strchr(e->needed[i], '/'))
                        (void)strlcpy(lib, e->needed[i], sizeof(lib));
                else if (find_lib(e->needed[i], path, e, lib, sizeof(lib)) < 0)
                        return sbx_err_setx(err, ENOENT, "'%s' needs '%s', which is not found", path, e->needed[i]);
                libdirs_add(libdirs, lib);
                r = copy_tree(t, lib, libdirs, depth + 1, err);
        }
        return r;
}

/* Copies the host file `path` to the same (normalised) path in the tree, then what it loads. */
static int copy_tree(const struct sbx_mkrootfs_tree *t, const char *path, char **libdirs, int depth,
                     struct sbx_err *err)
{
        if (depth > 32)
                return sbx_err_setx(err, ELOOP, "'%s': libraries nested too deeply", path);
        char rel[4096];
        if (normalize(path, rel, sizeof(rel)) < 0)
                return sbx_err_setx(err, ENAMETOOLONG, "'%s': path too long", path);
        if (!rel[0])
                return sbx_err_setx(err, EINVAL, "'%s' names the top of the tree, not a file", path);
        struct elf_info e;
        int r = elf_read(path, &e, err);
        if (r == 0 && e.is_elf)
                r = check_names(path, &e, err);
        bool kept = false;
        if (r == 0) {
                r = sbx_mkrootfs_install(t, path, rel, err);
                kept = r == 1;
        }
        /* A library already there came with what it needs. */
        if (r >= 0 && e.is_elf && !(kept && depth > 0))
                r = copy_deps(t, path, &e, libdirs, depth, err);
        elf_info_done(&e);
        return r < 0 ? r : 0;
}

int sbx_mkrootfs_copy(const struct sbx_mkrootfs_tree *t, const char *prog, char **ret_libdirs, struct sbx_err *err)
{
        if (prog[0] != '/')
                return sbx_err_setx(err, EINVAL, "'%s' is not an absolute path", prog);
        _cleanup_free_ char *libdirs = NULL;
        int r = copy_tree(t, prog, &libdirs, 0, err);
        if (r == 0 && ret_libdirs)
                *ret_libdirs = TAKE_PTR(libdirs);
        return r;
}

int sbx_mkrootfs_needed(const char *path, char ***ret, struct sbx_err *err)
{
        struct elf_info e;
        int r = elf_read(path, &e, err);
        char **v = r < 0 ? NULL : calloc(e.n_needed + 1, sizeof(char *));
        if (!v) {
                elf_info_done(&e);
                return r < 0 ? r : sbx_err_set(err, ENOMEM, "'%s'", path);
        }
        /* The names move into the list. */
        memcpy(v, e.needed, e.n_needed * sizeof(char *));
        *ret = v;
        return 0;
}

int sbx_mkrootfs_busybox(const struct sbx_mkrootfs_tree *t, const char *busybox, const char *const *applets,
                         size_t n_applets, struct sbx_err *err)
{
        struct elf_info e;
        int r = elf_read(busybox, &e, err);
        if (r == 0 && e.is_elf)
                r = check_names(busybox, &e, err);
        /* Copied under the name /bin/busybox whatever it is called on the host; a dynamic one brings its
         * libraries. */
        if (r == 0)
                r = sbx_mkrootfs_install(t, busybox, "bin/busybox", err);
        if (r >= 0 && e.is_elf)
                r = copy_deps(t, busybox, &e, NULL, 0, err);
        elf_info_done(&e);
        for (size_t i = 0; r >= 0 && i < n_applets; i++) {
                char rel[4096];
                if (has_dotdot(applets[i]) || normalize(applets[i], rel, sizeof(rel)) < 0 || !rel[0])
                        continue;
                _cleanup_close_ int dfd = -1;
                const char *base;
                r = sbx_mkrootfs_mkparent(t, rel, &dfd, &base, err);
                struct stat st;
                if (r < 0 || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                if (symlinkat("/bin/busybox", dfd, base) < 0 ||
                    fchownat(dfd, base, t->uid, t->gid, AT_SYMLINK_NOFOLLOW) < 0)
                        r = sbx_err_set(err, errno, "link '%s/%s'", t->path, rel);
        }
        return r < 0 ? r : 0;
}
