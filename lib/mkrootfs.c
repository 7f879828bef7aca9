/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building a rootfs: the skeleton, copies of host programs with their libraries, busybox, the account files, and
 * the sanitising pass. Libraries are found from the ELF headers (PT_INTERP, DT_NEEDED, DT_RUNPATH/DT_RPATH) and the
 * loader's search rules; no program is run, so a copied program cannot do anything while we look at it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkrootfs.h"

/* ---- small file helpers ---- */

/* mkdir -p of the absolute path `path`, every created directory 0755. */
static int mkdir_p(const char *path, struct sbx_err *err)
{
        char buf[4096];
        if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
                return sbx_err_setx(err, ENAMETOOLONG, "'%s': path too long", path);
        for (char *p = buf + 1;; p++) {
                if (*p != '/' && *p != '\0')
                        continue;
                char c = *p;
                *p = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return sbx_err_set(err, errno, "create directory '%s'", buf);
                struct stat st;
                if (lstat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
                        return sbx_err_setx(err, ENOTDIR, "'%s' is not a directory", buf);
                *p = c;
                if (c == '\0')
                        return 0;
        }
}

static int parent_of(const char *path, char *buf, size_t size)
{
        (void)strlcpy(buf, path, size);
        char *s = strrchr(buf, '/');
        if (!s)
                return -EINVAL;
        if (s == buf)
                s[1] = '\0';
        else
                *s = '\0';
        return 0;
}

/* Copies src (following links) to dst (created, never replacing) with mode 0755 or 0644 (by the source's exec bit). */
static int copy_file(const char *src, const char *dst, struct sbx_err *err)
{
        char dir[4096];
        (void)parent_of(dst, dir, sizeof(dir));
        int r = mkdir_p(dir, err);
        if (r < 0)
                return r;
        _cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return sbx_err_set(err, errno, "open '%s'", src);
        struct stat st;
        if (fstat(in, &st) < 0)
                return sbx_err_set(err, errno, "stat '%s'", src);
        if (!S_ISREG(st.st_mode))
                return sbx_err_setx(err, EINVAL, "'%s' is not a regular file", src);
        _cleanup_close_ int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                       (st.st_mode & 0111) ? 0755 : 0644);
        if (out < 0 && errno == EEXIST)
                return 0;
        if (out < 0)
                return sbx_err_set(err, errno, "create '%s'", dst);
        char buf[65536];
        ssize_t n;
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, (size_t)n) != n)
                        return sbx_err_set(err, errno ? errno : EIO, "write '%s'", dst);
        if (n < 0)
                return sbx_err_set(err, errno, "read '%s'", src);
        /* The umask may have taken bits: set the mode exactly (never setuid, never writable but by root). */
        if (fchmod(out, (st.st_mode & 0111) ? 0755 : 0644) < 0 || fchown(out, 0, 0) < 0)
                return sbx_err_set(err, errno, "set owner and mode of '%s'", dst);
        return 0;
}

int sbx_mkrootfs_skeleton(const char *dir, bool existing, struct sbx_err *err)
{
        static const struct {
                const char *path;
                mode_t mode;
        } dirs[] = {
                {"bin", 0755},  {"sbin", 0755}, {"usr", 0755},  {"usr/bin", 0755}, {"usr/sbin", 0755},
                {"lib", 0755},  {"etc", 0755},  {"proc", 0555}, {"dev", 0755},     {"tmp", 0755},
                {"home", 0755}, {"root", 0700}, {"run", 0755},  {"var", 0755},     {"var/tmp", 0755},
        };
        if (mkdir(dir, 0755) < 0) {
                if (errno != EEXIST)
                        return sbx_err_set(err, errno, "create '%s'", dir);
                _cleanup_closedir_ DIR *d = opendir(dir);
                if (!d)
                        return sbx_err_set(err, errno, "open '%s'", dir);
                struct dirent *de;
                bool empty = true;
                while ((de = readdir(d)))
                        empty &= streq(de->d_name, ".") || streq(de->d_name, "..");
                if (!empty && !existing)
                        return sbx_err_setx(err, EEXIST, "'%s' exists and is not empty", dir);
        }
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return sbx_err_set(err, errno, "open '%s'", dir);
        if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0755) < 0)
                return sbx_err_set(err, errno, "set owner and mode of '%s'", dir);
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                struct stat st;
                /* A debootstrap'd tree may have these as links (usrmerge: /bin -> usr/bin): keep them. */
                if (fstatat(fd, dirs[i].path, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                if (mkdirat(fd, dirs[i].path, 0755) < 0 || fchmodat(fd, dirs[i].path, dirs[i].mode, 0) < 0 ||
                    fchownat(fd, dirs[i].path, 0, 0, AT_SYMLINK_NOFOLLOW) < 0)
                        return sbx_err_set(err, errno, "create '%s/%s'", dir, dirs[i].path);
        }
        return 0;
}

/* ---- ELF ---- */

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
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return sbx_err_set(err, errno, "open '%s'", path);
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
        (void)parent_of(from, origin, sizeof(origin));
        char rp[4096];
        (void)strlcpy(rp, fe->runpath, sizeof(rp));
        char *save = NULL;
        for (char *d = strtok_r(rp, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                char buf[8192];
                if (strncmp(d, "$ORIGIN", 7) == 0)
                        (void)snprintf(buf, sizeof(buf), "%s%s", origin, d + 7);
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
                if (access(ret, R_OK) < 0 || elf_read(ret, &e, NULL) < 0)
                        continue;
                /* A library of another architecture in a shared directory is not the one the loader takes. */
                if (e.is_elf && e.machine == fe->machine)
                        r = 0;
                elf_info_done(&e);
        }
        search_done(&s);
        return r;
}

static void libdirs_add(char **libdirs, const char *path)
{
        char dir[4096];
        if (!libdirs || parent_of(path, dir, sizeof(dir)) < 0)
                return;
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

static int copy_tree(const char *dir, const char *path, char **libdirs, int depth, struct sbx_err *err);

/* Copies what the ELF object at `path` (described by e) loads: its interpreter and its DT_NEEDED libraries. */
static int copy_deps(const char *dir, const char *path, const struct elf_info *e, char **libdirs, int depth,
                     struct sbx_err *err)
{
        int r = 0;
        if (e->interp[0])
                r = copy_tree(dir, e->interp, libdirs, depth + 1, err);
        for (size_t i = 0; r == 0 && i < e->n_needed; i++) {
                char lib[8192];
                if (strchr(e->needed[i], '/'))
                        (void)strlcpy(lib, e->needed[i], sizeof(lib));
                else if (find_lib(e->needed[i], path, e, lib, sizeof(lib)) < 0)
                        return sbx_err_setx(err, ENOENT, "'%s' needs '%s', which is not found", path, e->needed[i]);
                libdirs_add(libdirs, lib);
                r = copy_tree(dir, lib, libdirs, depth + 1, err);
        }
        return r;
}

static int copy_tree(const char *dir, const char *path, char **libdirs, int depth, struct sbx_err *err)
{
        char dst[8192];
        if (depth > 32)
                return sbx_err_setx(err, ELOOP, "'%s': libraries nested too deeply", path);
        (void)snprintf(dst, sizeof(dst), "%s%s", dir, path);
        struct stat st;
        if (depth > 0 && lstat(dst, &st) == 0)
                return 0; /* copied already, with what it needs */
        int r = copy_file(path, dst, err);
        if (r < 0)
                return r;
        struct elf_info e;
        r = elf_read(path, &e, err);
        if (r == 0 && e.is_elf)
                r = copy_deps(dir, path, &e, libdirs, depth, err);
        elf_info_done(&e);
        return r;
}

int sbx_mkrootfs_copy(const char *dir, const char *prog, char **ret_libdirs, struct sbx_err *err)
{
        if (prog[0] != '/')
                return sbx_err_setx(err, EINVAL, "'%s' is not an absolute path", prog);
        _cleanup_free_ char *libdirs = NULL;
        int r = copy_tree(dir, prog, &libdirs, 0, err);
        if (r == 0 && ret_libdirs)
                *ret_libdirs = TAKE_PTR(libdirs);
        return r;
}

int sbx_mkrootfs_busybox(const char *dir, const char *busybox, const char *const *applets, size_t n_applets,
                         struct sbx_err *err)
{
        char dst[8192];
        (void)snprintf(dst, sizeof(dst), "%s/bin/busybox", dir);
        /* Copied under the name /bin/busybox whatever it is called on the host. */
        int r = copy_file(busybox, dst, err);
        if (r < 0)
                return r;
        /* A dynamic busybox brings its libraries. */
        struct elf_info e;
        r = elf_read(busybox, &e, err);
        if (r == 0 && e.is_elf)
                r = copy_deps(dir, busybox, &e, NULL, 0, err);
        elf_info_done(&e);
        for (size_t i = 0; r == 0 && i < n_applets; i++) {
                const char *a = applets[i] + strspn(applets[i], "/");
                char path[8192], parent[8192];
                if (!*a || strstr(a, ".."))
                        continue;
                (void)snprintf(path, sizeof(path), "%s/%s", dir, a);
                (void)parent_of(path, parent, sizeof(parent));
                struct stat st;
                if (lstat(path, &st) == 0)
                        continue;
                r = mkdir_p(parent, err);
                if (r == 0 && symlink("/bin/busybox", path) < 0)
                        r = sbx_err_set(err, errno, "link '%s'", path);
        }
        return r;
}

/* ---- accounts ---- */

/* Rewrites dir/etc/NAME: the existing lines whose first field is not in names, then `add`. */
static int rewrite_db(const char *dir, const char *name, const char *const *names, size_t n, const char *add,
                      struct sbx_err *err)
{
        char path[8192], tmp[8300];
        (void)snprintf(path, sizeof(path), "%s/etc/%s", dir, name);
        (void)snprintf(tmp, sizeof(tmp), "%s.sbx-new", path);
        _cleanup_fclose_ FILE *in = fopen(path, "re");
        if (!in && errno != ENOENT)
                return sbx_err_set(err, errno, "open '%s'", path);
        (void)unlink(tmp);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return sbx_err_set(err, errno, "create '%s'", tmp);
        _cleanup_fclose_ FILE *out = fdopen(fd, "w");
        if (!out) {
                (void)close(fd);
                return sbx_err_set(err, errno, "create '%s'", tmp);
        }
        char line[4096];
        while (in && fgets(line, sizeof(line), in)) {
                size_t len = strcspn(line, ":");
                bool ours = false;
                for (size_t i = 0; i < n && !ours; i++)
                        ours = strlen(names[i]) == len && strncmp(line, names[i], len) == 0;
                if (!ours)
                        fputs(line, out);
        }
        fputs(add, out);
        if (fchmod(fd, 0644) < 0 || fchown(fd, 0, 0) < 0 || fflush(out) != 0 || ferror(out))
                return sbx_err_set(err, errno ? errno : EIO, "write '%s'", tmp);
        if (rename(tmp, path) < 0)
                return sbx_err_set(err, errno, "rename '%s' to '%s'", tmp, path);
        return 0;
}

int sbx_mkrootfs_accounts(const char *dir, const struct sbx_mkrootfs_account *users, size_t n_users,
                          const struct sbx_mkrootfs_group *groups, size_t n_groups, struct sbx_err *err)
{
        _cleanup_free_ const char **names = calloc(n_users + n_groups + 1, sizeof(*names));
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (!names)
                return sbx_err_set(err, ENOMEM, "accounts");
        FILE *m = open_memstream(&text, &len);
        if (!m)
                return sbx_err_set(err, ENOMEM, "accounts");
        for (size_t i = 0; i < n_users; i++) {
                names[i] = users[i].name;
                /* No password in the sandbox: nothing there checks one (and no setuid program could use it). */
                fprintf(m, "%s:x:%u:%u::%s:%s\n", users[i].name, (unsigned)users[i].uid, (unsigned)users[i].gid,
                        users[i].home, users[i].shell);
        }
        if (fclose(m) != 0)
                return sbx_err_set(err, ENOMEM, "accounts");
        int r = rewrite_db(dir, "passwd", names, n_users, text, err);
        if (r < 0)
                return r;
        free(text);
        text = NULL;
        if (!(m = open_memstream(&text, &len)))
                return sbx_err_set(err, ENOMEM, "accounts");
        for (size_t i = 0; i < n_groups; i++) {
                names[i] = groups[i].name;
                fprintf(m, "%s:x:%u:%s\n", groups[i].name, (unsigned)groups[i].gid, groups[i].members);
        }
        if (fclose(m) != 0)
                return sbx_err_set(err, ENOMEM, "accounts");
        return rewrite_db(dir, "group", names, n_groups, text, err);
}

/* ---- sanitising ---- */

static int sanitize_dir(int dfd, dev_t dev, const char *path, unsigned long *changed, struct sbx_err *err)
{
        DIR *d = fdopendir(dfd);
        if (!d) {
                int e = errno;
                (void)close(dfd);
                return sbx_err_set(err, e, "open '%s'", path);
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                struct stat st;
                char sub[8192];
                (void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISLNK(st.st_mode))
                        continue;
                if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
                        if (unlinkat(dirfd(d), de->d_name, 0) < 0)
                                r = sbx_err_set(err, errno, "remove device node '%s'", sub);
                        (*changed)++;
                        continue;
                }
                mode_t mode = st.st_mode & 07777;
                /* Sticky directories (/tmp) too: the sandbox writes only to tmpfs mounts of its own, and a directory
                 * of the rootfs others can write is shared with the whole host. */
                mode_t want = mode & ~(mode_t)(S_ISUID | S_ISGID | S_IWGRP | S_IWOTH);
                if (want != mode) {
                        if (fchmodat(dirfd(d), de->d_name, want, 0) < 0)
                                r = sbx_err_set(err, errno, "chmod '%s'", sub);
                        (*changed)++;
                }
                if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
                        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0)
                                r = sbx_err_set(err, errno, "open '%s'", sub);
                        else
                                r = sanitize_dir(fd, dev, sub, changed, err);
                }
        }
        (void)closedir(d);
        return r;
}

int sbx_mkrootfs_sanitize(const char *dir, unsigned long *ret_changed, struct sbx_err *err)
{
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return sbx_err_set(err, errno, "open '%s'", dir);
        struct stat st;
        if (fstat(fd, &st) < 0 || fchown(fd, 0, 0) < 0 || fchmod(fd, 0755) < 0) {
                int e = errno;
                (void)close(fd);
                return sbx_err_set(err, e, "set owner and mode of '%s'", dir);
        }
        unsigned long changed = 0;
        int r = sanitize_dir(fd, st.st_dev, dir, &changed, err);
        if (ret_changed)
                *ret_changed = changed;
        return r;
}
