/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/mkrootfs: a symbolic link to a file or a directory outside the tree, placed wherever the skeleton, the safety
 * pass, the accounts rewrite, the rootfs's resolv.conf and a copy touch, leaves what it points to as it was (mode,
 * owner, content); the same operations on real files in the tree do change them (the positive controls). Names in
 * ELF headers that would leave the tree are refused, and $ORIGIN/../lib is copied to its normalised path. Removing a
 * tree follows no link and enters no mount.
 *
 * Runs as any user: the trees are the test's own files in a temporary directory, owned as the tree says (struct
 * sbx_mkrootfs_tree's uid and gid). As root the tree's owner is 1234:1234, so that a chown through a link would show
 * on the root-owned outside files; as another user it is the user's own (a chown that changes nothing). The staging
 * and mount tests need root (a root-only parent, a bind mount in a private mount namespace) and skip without it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <elf.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "sbx-test.h"

#include "mkrootfs.h"

#define SECRET "root:$6$secret-hash:19000:0:99999:7:::\ndaemon:$6$secret-hash:19000:0:99999:7:::\n"

/* The workspace of one test: WS/outside (what links point to) and WS/tree. */
struct ws {
        char dir[64];
        char tree[128];
        char victim[128]; /* WS/outside/victim: a regular file, 0666, SECRET */
        char vdir[128];   /* WS/outside/vdir: a directory, 0777, holding f (0666) */
        int wsfd;
        struct sbx_mkrootfs_tree t;
};

/* What is known of a file: mode, owner, content (of a regular file) or entries (of a directory). */
struct snap {
        char text[4096];
};

#define tree_uid() (geteuid() == 0 ? 1234 : geteuid())
#define tree_gid() (geteuid() == 0 ? 1234 : getegid())

static void write_file(const char *path, const char *text, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
}

static char *read_text(const char *path, char *buf, size_t size)
{
        buf[0] = '\0';
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return buf;
        ssize_t n = read(fd, buf, size - 1);
        close(fd);
        buf[n > 0 ? n : 0] = '\0';
        return buf;
}

static void snap_of(const char *path, struct snap *s)
{
        struct stat st;
        char body[3000] = "";
        if (lstat(path, &st) < 0) {
                (void)snprintf(s->text, sizeof(s->text), "missing");
                return;
        }
        if (S_ISREG(st.st_mode))
                (void)read_text(path, body, sizeof(body));
        if (S_ISDIR(st.st_mode)) {
                DIR *d = opendir(path);
                struct dirent *de;
                while (d && (de = readdir(d))) {
                        char sub[4096];
                        struct stat sst;
                        (void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                        if (lstat(sub, &sst) == 0 && !streq(de->d_name, ".") && !streq(de->d_name, ".."))
                                (void)snprintf(body + strlen(body), sizeof(body) - strlen(body), "%s:%o:%u ",
                                               de->d_name, (unsigned)sst.st_mode, (unsigned)sst.st_uid);
                }
                if (d)
                        closedir(d);
        }
        (void)snprintf(s->text, sizeof(s->text), "mode %o owner %u:%u [%s]", (unsigned)st.st_mode, (unsigned)st.st_uid,
                       (unsigned)st.st_gid, body);
}

/* Every workspace made, for the group teardown to remove those a failed test left. */
static char made[32][64];
static size_t n_made;

static void ws_init(struct ws *w)
{
        (void)strlcpy(w->dir, "/tmp/sbx-mkrootfs.XXXXXX", sizeof(w->dir));
        assert_non_null(mkdtemp(w->dir));
        if (n_made < ELEMENTSOF(made))
                (void)strlcpy(made[n_made++], w->dir, sizeof(made[0]));
        assert_int_equal(chmod(w->dir, 0755), 0);
        w->wsfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(w->wsfd >= 0);
        (void)snprintf(w->tree, sizeof(w->tree), "%s/tree", w->dir);
        (void)snprintf(w->victim, sizeof(w->victim), "%s/outside/victim", w->dir);
        (void)snprintf(w->vdir, sizeof(w->vdir), "%s/outside/vdir", w->dir);
        assert_int_equal(mkdirat(w->wsfd, "outside", 0755), 0);
        assert_int_equal(mkdirat(w->wsfd, "tree", 0777), 0);
        assert_int_equal(chmod(w->tree, 0777), 0);
        write_file(w->victim, SECRET, 0666);
        assert_int_equal(mkdir(w->vdir, 0777), 0);
        assert_int_equal(chmod(w->vdir, 0777), 0);
        char f[200];
        (void)snprintf(f, sizeof(f), "%s/f", w->vdir);
        write_file(f, "outside\n", 0666);
        int fd = open(w->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        w->t = (struct sbx_mkrootfs_tree){.fd = fd, .path = w->tree, .uid = tree_uid(), .gid = tree_gid()};
}

static void ws_done(struct ws *w)
{
        struct sbx_err err = {0};
        close(w->t.fd);
        close(w->wsfd);
        int tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(tmp >= 0);
        if (sbx_mkrootfs_remove(tmp, w->dir + strlen("/tmp/"), w->dir, &err) < 0)
                fail_msg("removing the workspace: %s", err.msg);
        close(tmp);
}

/* Snapshots of everything outside the tree: the victim, the directory and the file in it. */
struct outside {
        struct snap victim, vdir, f;
};

static void outside_snap(const struct ws *w, struct outside *o)
{
        char f[200];
        (void)snprintf(f, sizeof(f), "%s/f", w->vdir);
        snap_of(w->victim, &o->victim);
        snap_of(w->vdir, &o->vdir);
        snap_of(f, &o->f);
}

static void assert_outside_unchanged(const struct ws *w, const struct outside *before)
{
        struct outside now;
        outside_snap(w, &now);
        assert_string_equal(now.victim.text, before->victim.text);
        assert_string_equal(now.vdir.text, before->vdir.text);
        assert_string_equal(now.f.text, before->f.text);
}

static mode_t mode_of(const struct ws *w, const char *rel)
{
        struct stat st;
        assert_int_equal(fstatat(w->t.fd, rel, &st, AT_SYMLINK_NOFOLLOW), 0);
        return st.st_mode;
}

static void assert_owned_by_tree(const struct ws *w, const char *rel)
{
        struct stat st;
        assert_int_equal(fstatat(w->t.fd, rel, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_uid, tree_uid());
        assert_int_equal(st.st_gid, tree_gid());
}

static void link_in_tree(const struct ws *w, const char *target, const char *rel)
{
        assert_int_equal(symlinkat(target, w->t.fd, rel), 0);
}

static void file_in_tree(const struct ws *w, const char *rel, const char *text, mode_t mode)
{
        char p[4200];
        (void)snprintf(p, sizeof(p), "%s/%s", w->tree, rel);
        write_file(p, text, mode);
}

/* ---- the safety pass ---- */

static void test_sanitize_links(void **state)
{
        struct ws w;
        ws_init(&w);
        /* Links named and placed like what the pass changes, to the outside file and directory. */
        link_in_tree(&w, w.victim, "su");
        link_in_tree(&w, "../outside/victim", "gw-link");
        link_in_tree(&w, w.vdir, "dirlink");
        assert_int_equal(mkdirat(w.t.fd, "sub", 0777), 0);
        assert_int_equal(fchmodat(w.t.fd, "sub", 0777, 0), 0);
        link_in_tree(&w, "../../outside/victim", "sub/deep-link");
        /* The positive controls: real files of the same kinds. */
        file_in_tree(&w, "real-suid", "x", 04755);
        file_in_tree(&w, "real-gw", "x", 0666);
        file_in_tree(&w, "sub/f", "x", 0664);
        assert_int_equal(mkdirat(w.t.fd, "sticky", 0777), 0);
        assert_int_equal(fchmodat(w.t.fd, "sticky", 01777, 0), 0);
        struct outside before;
        outside_snap(&w, &before);

        struct sbx_err err = {0};
        unsigned long changed = 0;
        if (sbx_mkrootfs_sanitize(&w.t, &changed, &err) < 0)
                fail_msg("sanitize: %s", err.msg);

        assert_outside_unchanged(&w, &before);
        char buf[4096];
        assert_int_equal(readlinkat(w.t.fd, "su", buf, sizeof(buf)), (ssize_t)strlen(w.victim));
        assert_true(S_ISLNK(mode_of(&w, "gw-link")) && S_ISLNK(mode_of(&w, "dirlink")));
        /* Positive controls: every real file of those kinds is changed, sticky directories included. */
        assert_int_equal(mode_of(&w, "real-suid") & 07777, 0755);
        assert_int_equal(mode_of(&w, "real-gw") & 07777, 0644);
        assert_int_equal(mode_of(&w, "sub") & 07777, 0755);
        assert_int_equal(mode_of(&w, "sub/f") & 07777, 0644);
        assert_int_equal(mode_of(&w, "sticky") & 07777, 01755);
        assert_int_equal(mode_of(&w, ".") & 07777, 0755);
        assert_owned_by_tree(&w, ".");
        assert_int_equal(changed, 5);
        ws_done(&w);
}

/* The race the old pass lost: an entry checked as a g+w file and replaced by a link to an outside file before the
 * chmod. A thread swaps entries between fresh 0666 files and links to the victim while the pass runs again and
 * again for 1.5 s; a pass that chmods by name after its check (fchmodat(dfd, name, mode, 0)) changes the victim in
 * that time on every run tried, one that chmods the inode it checked never can. */
struct swapper {
        int dfd;   /* tree/race, where e0... are swapped */
        int tmpfd; /* WS/swap, outside the tree: where the new files and links are made */
        const char *victim;
        atomic_bool stop;
};

#define RACE_ENTRIES 32

static void *swap_loop(void *arg)
{
        struct swapper *s = arg;
        while (!atomic_load(&s->stop))
                for (int i = 0; i < RACE_ENTRIES; i++) {
                        char name[16];
                        (void)snprintf(name, sizeof(name), "e%d", i);
                        int fd = openat(s->tmpfd, "new-file", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
                        if (fd >= 0) {
                                (void)fchmod(fd, 0666);
                                (void)close(fd);
                                (void)renameat(s->tmpfd, "new-file", s->dfd, name);
                        }
                        if (symlinkat(s->victim, s->tmpfd, "new-link") == 0)
                                (void)renameat(s->tmpfd, "new-link", s->dfd, name);
                }
        return NULL;
}

static void test_sanitize_race(void **state)
{
        struct ws w;
        ws_init(&w);
        assert_int_equal(mkdirat(w.t.fd, "race", 0755), 0);
        assert_int_equal(mkdirat(w.wsfd, "swap", 0755), 0);
        struct swapper s = {.dfd = openat(w.t.fd, "race", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                            .tmpfd = openat(w.wsfd, "swap", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                            .victim = w.victim};
        assert_true(s.dfd >= 0 && s.tmpfd >= 0);
        struct outside before;
        outside_snap(&w, &before);
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, swap_loop, &s), 0);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        unsigned long changed = 0, passes = 0;
        struct sbx_err err = {0};
        int r = 0;
        do {
                unsigned long c = 0;
                r = sbx_mkrootfs_sanitize(&w.t, &c, &err);
                changed += c;
                passes++;
                clock_gettime(CLOCK_MONOTONIC, &t1);
        } while (r == 0 && (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 1500);
        atomic_store(&s.stop, true);
        assert_int_equal(pthread_join(th, NULL), 0);
        close(s.dfd);
        close(s.tmpfd);
        if (r < 0)
                fail_msg("sanitize: %s", err.msg);
        assert_outside_unchanged(&w, &before);
        /* Positive control: the pass did meet g+w files there, many times, and changed them. */
        if (changed < 100)
                fail_msg("only %lu files changed in %lu passes: the race was not run", changed, passes);
        ws_done(&w);
}

/* ---- the skeleton ---- */

static void test_skeleton_links(void **state)
{
        struct ws w;
        ws_init(&w);
        /* An existing tree (as debootstrap leaves one) whose tmp, var/tmp and usr are links to the outside. */
        link_in_tree(&w, w.vdir, "tmp");
        assert_int_equal(mkdirat(w.t.fd, "var", 0755), 0);
        link_in_tree(&w, w.vdir, "var/tmp");
        link_in_tree(&w, w.vdir, "usr");
        link_in_tree(&w, "usr/bin", "bin");
        struct outside before;
        outside_snap(&w, &before);

        struct sbx_err err = {0};
        if (sbx_mkrootfs_skeleton(&w.t, &err) < 0)
                fail_msg("skeleton: %s", err.msg);
        /* Nothing chmod'ed, chown'ed or created through them (no usr/bin in the outside directory). */
        assert_outside_unchanged(&w, &before);
        assert_true(S_ISLNK(mode_of(&w, "tmp")) && S_ISLNK(mode_of(&w, "var/tmp")) && S_ISLNK(mode_of(&w, "usr")));
        assert_true(S_ISLNK(mode_of(&w, "bin")));
        /* What is missing is made, with its mode and the tree's owner. */
        assert_int_equal(mode_of(&w, "proc") & 07777, 0555);
        assert_int_equal(mode_of(&w, "root") & 07777, 0700);
        assert_int_equal(mode_of(&w, "etc") & 07777, 0755);
        assert_owned_by_tree(&w, "etc");
        assert_int_equal(mode_of(&w, ".") & 07777, 0755);
        ws_done(&w);

        /* Positive control: real tmp and var/tmp, 1777 (debootstrap's), are set to 0755 and the tree's owner. */
        ws_init(&w);
        assert_int_equal(mkdirat(w.t.fd, "tmp", 0777), 0);
        assert_int_equal(fchmodat(w.t.fd, "tmp", 01777, 0), 0);
        assert_int_equal(mkdirat(w.t.fd, "var", 0755), 0);
        assert_int_equal(mkdirat(w.t.fd, "var/tmp", 0777), 0);
        assert_int_equal(fchmodat(w.t.fd, "var/tmp", 01777, 0), 0);
        if (sbx_mkrootfs_skeleton(&w.t, &err) < 0)
                fail_msg("skeleton: %s", err.msg);
        assert_int_equal(mode_of(&w, "tmp") & 07777, 0755);
        assert_int_equal(mode_of(&w, "var/tmp") & 07777, 0755);
        assert_owned_by_tree(&w, "tmp");
        assert_owned_by_tree(&w, "var/tmp");
        assert_int_equal(mode_of(&w, "usr/bin") & 07777, 0755);
        ws_done(&w);
}

/* ---- the rootfs's resolv.conf ---- */

static void test_resolv_conf(void **state)
{
        struct ws w;
        struct sbx_err err = {0};
        char p[256], buf[64];
        /* A link at etc/resolv.conf to the outside, and etc a link to the outside: kept, nothing made through them. */
        ws_init(&w);
        assert_int_equal(mkdirat(w.t.fd, "etc", 0755), 0);
        link_in_tree(&w, w.victim, "etc/resolv.conf");
        struct outside before;
        outside_snap(&w, &before);
        if (sbx_mkrootfs_resolv_conf(&w.t, &err) < 0)
                fail_msg("resolv.conf: %s", err.msg);
        assert_true(S_ISLNK(mode_of(&w, "etc/resolv.conf")));
        assert_outside_unchanged(&w, &before);
        ws_done(&w);
        ws_init(&w);
        link_in_tree(&w, w.vdir, "etc");
        outside_snap(&w, &before);
        if (sbx_mkrootfs_resolv_conf(&w.t, &err) < 0)
                fail_msg("resolv.conf: %s", err.msg);
        assert_outside_unchanged(&w, &before);
        ws_done(&w);

        /* Positive controls: made empty, 0644, the tree's, where nothing is; a file already there is kept. */
        ws_init(&w);
        assert_int_equal(mkdirat(w.t.fd, "etc", 0755), 0);
        if (sbx_mkrootfs_resolv_conf(&w.t, &err) < 0)
                fail_msg("resolv.conf: %s", err.msg);
        assert_true(S_ISREG(mode_of(&w, "etc/resolv.conf")));
        assert_int_equal(mode_of(&w, "etc/resolv.conf") & 07777, 0644);
        assert_owned_by_tree(&w, "etc/resolv.conf");
        (void)snprintf(p, sizeof(p), "%s/etc/resolv.conf", w.tree);
        assert_string_equal(read_text(p, buf, sizeof(buf)), "");
        write_file(p, "nameserver 192.0.2.53\n", 0600);
        if (sbx_mkrootfs_resolv_conf(&w.t, &err) < 0)
                fail_msg("resolv.conf: %s", err.msg);
        assert_string_equal(read_text(p, buf, sizeof(buf)), "nameserver 192.0.2.53\n");
        assert_int_equal(mode_of(&w, "etc/resolv.conf") & 07777, 0600);
        ws_done(&w);
}

/* ---- the accounts ---- */

static const struct sbx_mkrootfs_account users[] = {{"root", 0, 0, "/root", "/bin/sh"},
                                                    {"alice", 3001, 3001, "/home/alice", "/bin/sh"}};
static const struct sbx_mkrootfs_group groups[] = {{"root", 0, ""}, {"alice", 3001, ""}};

static void test_accounts_links(void **state)
{
        struct ws w;
        ws_init(&w);
        struct sbx_err err = {0};
        /* etc/passwd a link to a file like /etc/shadow: refused, nothing copied from it. */
        assert_int_equal(mkdirat(w.t.fd, "etc", 0755), 0);
        link_in_tree(&w, w.victim, "etc/passwd");
        struct outside before;
        outside_snap(&w, &before);
        assert_int_equal(sbx_mkrootfs_accounts(&w.t, users, 2, groups, 2, &err), -ELOOP);
        assert_non_null(strstr(err.msg, "etc/passwd' is or is below a symbolic link"));
        assert_outside_unchanged(&w, &before);
        assert_true(S_ISLNK(mode_of(&w, "etc/passwd")));
        /* etc/group a link (passwd a real file): the same. */
        assert_int_equal(unlinkat(w.t.fd, "etc/passwd", 0), 0);
        link_in_tree(&w, "../../outside/victim", "etc/group");
        assert_int_equal(sbx_mkrootfs_accounts(&w.t, users, 2, groups, 2, &err), -ELOOP);
        assert_non_null(strstr(err.msg, "etc/group'"));
        assert_outside_unchanged(&w, &before);
        char buf[4096];
        char p[4200];
        (void)snprintf(p, sizeof(p), "%s/etc/passwd", w.tree);
        assert_null(strstr(read_text(p, buf, sizeof(buf)), "secret"));
        ws_done(&w);

        /* etc itself a link to an outside directory: nothing is written there. */
        ws_init(&w);
        link_in_tree(&w, w.vdir, "etc");
        outside_snap(&w, &before);
        assert_int_equal(sbx_mkrootfs_accounts(&w.t, users, 2, groups, 2, &err), -ELOOP);
        assert_outside_unchanged(&w, &before);
        ws_done(&w);

        /* Positive control: real files are rewritten, other accounts kept (a last line without '\n' too), ours
         * replaced, 0644 and the tree's owner. */
        ws_init(&w);
        assert_int_equal(mkdirat(w.t.fd, "etc", 0755), 0);
        file_in_tree(&w, "etc/passwd", "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nroot:x:0:0:old:/root:/bin/bash",
                     0600);
        file_in_tree(&w, "etc/group", "daemon:x:1:\n", 0600);
        if (sbx_mkrootfs_accounts(&w.t, users, 2, groups, 2, &err) < 0)
                fail_msg("accounts: %s", err.msg);
        (void)snprintf(p, sizeof(p), "%s/etc/passwd", w.tree);
        assert_string_equal(read_text(p, buf, sizeof(buf)), "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
                                                            "root:x:0:0::/root:/bin/sh\n"
                                                            "alice:x:3001:3001::/home/alice:/bin/sh\n");
        (void)snprintf(p, sizeof(p), "%s/etc/group", w.tree);
        assert_string_equal(read_text(p, buf, sizeof(buf)), "daemon:x:1:\nroot:x:0:\nalice:x:3001:\n");
        assert_int_equal(mode_of(&w, "etc/passwd") & 07777, 0644);
        assert_owned_by_tree(&w, "etc/passwd");
        assert_owned_by_tree(&w, "etc/group");
        assert_int_equal(faccessat(w.t.fd, "etc/passwd.sbx-new", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        ws_done(&w);
}

/* ---- copies into the tree ---- */

static void test_install_links(void **state)
{
        struct ws w;
        ws_init(&w);
        char src[200];
        (void)snprintf(src, sizeof(src), "%s/prog", w.dir);
        write_file(src, "#!/bin/sh\necho hi\n", 0755);
        struct sbx_err err = {0};
        struct outside before;
        /* A parent directory of the destination a link to an outside directory: refused, nothing made there. */
        link_in_tree(&w, w.vdir, "lib");
        assert_int_equal(mkdirat(w.t.fd, "usr", 0755), 0);
        link_in_tree(&w, w.vdir, "usr/lib");
        outside_snap(&w, &before);
        assert_int_equal(sbx_mkrootfs_install(&w.t, src, "lib/x86_64-linux-gnu/libc.so.6", &err), -ELOOP);
        assert_non_null(strstr(err.msg, "/lib' is or is below a symbolic link (not followed)"));
        assert_int_equal(sbx_mkrootfs_install(&w.t, src, "usr/lib/prog", &err), -ELOOP);
        assert_int_equal(sbx_mkrootfs_write(&w.t, "lib/ld.so.conf", "/x\n", &err), -ELOOP);
        /* The destination itself a link to an outside file: kept, and the file not written through it. */
        assert_int_equal(mkdirat(w.t.fd, "bin", 0755), 0);
        link_in_tree(&w, w.victim, "bin/prog");
        assert_int_equal(sbx_mkrootfs_install(&w.t, src, "bin/prog", &err), 1);
        /* A written file (ld.so.conf) replaces a link there instead of following it. */
        assert_int_equal(mkdirat(w.t.fd, "etc", 0755), 0);
        link_in_tree(&w, w.victim, "etc/ld.so.conf");
        if (sbx_mkrootfs_write(&w.t, "etc/ld.so.conf", "/usr/lib/x\n", &err) < 0)
                fail_msg("write: %s", err.msg);
        assert_true(S_ISREG(mode_of(&w, "etc/ld.so.conf")));
        /* ".." is refused in a destination. */
        assert_int_equal(sbx_mkrootfs_install(&w.t, src, "usr/../../x", &err), -EINVAL);
        assert_outside_unchanged(&w, &before);

        /* Positive control: real directories, made where missing, get the copy, 0755 and the tree's owner. */
        if (sbx_mkrootfs_install(&w.t, src, "opt/app/bin/prog", &err) != 0)
                fail_msg("install: %s", err.msg);
        char p[4200], buf[4096];
        (void)snprintf(p, sizeof(p), "%s/opt/app/bin/prog", w.tree);
        assert_string_equal(read_text(p, buf, sizeof(buf)), "#!/bin/sh\necho hi\n");
        assert_int_equal(mode_of(&w, "opt/app/bin/prog") & 07777, 0755);
        assert_int_equal(mode_of(&w, "opt/app") & 07777, 0755);
        assert_owned_by_tree(&w, "opt/app/bin/prog");
        assert_owned_by_tree(&w, "opt/app");
        ws_done(&w);
}

/* A minimal ELF file of this machine: PT_INTERP when interp, PT_DYNAMIC with DT_NEEDED and DT_RUNPATH when needed
 * or runpath (one PT_LOAD maps the whole file at address 0, so file offsets are addresses). */
static void write_elf(const char *path, const char *interp, const char *runpath, const char *const *needed)
{
        Elf64_Ehdr self;
        int sfd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        assert_true(sfd >= 0);
        assert_int_equal(read(sfd, &self, sizeof(self)), (ssize_t)sizeof(self));
        close(sfd);

        unsigned char file[8192] = {0};
        Elf64_Ehdr *eh = (Elf64_Ehdr *)file;
        Elf64_Phdr *ph = (Elf64_Phdr *)(file + sizeof(*eh));
        size_t nph = 1 + (interp != NULL) + (needed || runpath);
        size_t str = sizeof(*eh) + nph * sizeof(*ph), used = 1; /* the string table starts with "" */
        char *strtab = (char *)file + str;
        Elf64_Dyn dyn[16];
        size_t ndyn = 0;
        size_t interp_off = 0;
        if (interp) {
                interp_off = used;
                memcpy(strtab + used, interp, strlen(interp) + 1);
                used += strlen(interp) + 1;
        }
        for (size_t i = 0; needed && needed[i]; i++) {
                dyn[ndyn++] = (Elf64_Dyn){.d_tag = DT_NEEDED, .d_un.d_val = used};
                memcpy(strtab + used, needed[i], strlen(needed[i]) + 1);
                used += strlen(needed[i]) + 1;
        }
        if (runpath) {
                dyn[ndyn++] = (Elf64_Dyn){.d_tag = DT_RUNPATH, .d_un.d_val = used};
                memcpy(strtab + used, runpath, strlen(runpath) + 1);
                used += strlen(runpath) + 1;
        }
        dyn[ndyn++] = (Elf64_Dyn){.d_tag = DT_STRTAB, .d_un.d_ptr = str};
        dyn[ndyn++] = (Elf64_Dyn){.d_tag = DT_STRSZ, .d_un.d_val = used};
        dyn[ndyn++] = (Elf64_Dyn){.d_tag = DT_NULL};
        size_t dyn_off = (str + used + 7) & ~(size_t)7;
        memcpy(file + dyn_off, dyn, ndyn * sizeof(*dyn));
        size_t size = dyn_off + ndyn * sizeof(*dyn);

        memcpy(eh->e_ident, self.e_ident, EI_NIDENT);
        eh->e_type = ET_DYN;
        eh->e_machine = self.e_machine;
        eh->e_version = EV_CURRENT;
        eh->e_phoff = sizeof(*eh);
        eh->e_ehsize = sizeof(*eh);
        eh->e_phentsize = sizeof(*ph);
        eh->e_phnum = (Elf64_Half)nph;
        size_t n = 0;
        ph[n++] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R, .p_filesz = size, .p_memsz = size};
        if (interp)
                ph[n++] = (Elf64_Phdr){.p_type = PT_INTERP,
                                       .p_offset = str + interp_off,
                                       .p_vaddr = str + interp_off,
                                       .p_filesz = strlen(interp) + 1,
                                       .p_memsz = strlen(interp) + 1};
        if (needed || runpath)
                ph[n++] = (Elf64_Phdr){.p_type = PT_DYNAMIC,
                                       .p_offset = dyn_off,
                                       .p_vaddr = dyn_off,
                                       .p_filesz = ndyn * sizeof(*dyn),
                                       .p_memsz = ndyn * sizeof(*dyn)};
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, file, size), (ssize_t)size);
        close(fd);
}

/* Every path below dir, one per line, sorted by readdir order of a depth-first walk (enough to compare). */
static void list_tree(const char *dir, char *out, size_t size)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                char sub[4096];
                (void)snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
                (void)snprintf(out + strlen(out), size - strlen(out), "%s\n", sub);
                if (de->d_type == DT_DIR)
                        list_tree(sub, out, size);
        }
        if (d)
                closedir(d);
}

static void test_copy_elf_names(void **state)
{
        struct ws w;
        ws_init(&w);
        char host[128], p[256], interp[256];
        (void)snprintf(host, sizeof(host), "%s/host", w.dir);
        for (const char *const *d = (const char *const[]){"", "/bin", "/lib", NULL}; *d; d++) {
                (void)snprintf(p, sizeof(p), "%s%s", host, *d);
                assert_int_equal(mkdir(p, 0755), 0);
        }
        (void)snprintf(interp, sizeof(interp), "%s/lib/ld.so", host);
        write_elf(interp, NULL, NULL, NULL);
        (void)snprintf(p, sizeof(p), "%s/lib/libgood.so", host);
        write_elf(p, NULL, NULL, NULL);

        static const struct {
                const char *name, *interp, *needed, *entry;
        } bad[] = {
                {"needed-dotdot", NULL, "../../x", "(DT_NEEDED) '../../x'"},
                {"needed-relative", NULL, "lib/libgood.so", "(DT_NEEDED) 'lib/libgood.so'"},
                {"needed-abs-dotdot", NULL, "/lib/../../../x", "(DT_NEEDED) '/lib/../../../x'"},
                {"needed-dotdot-name", NULL, "..", "(DT_NEEDED) '..'"},
                {"interp-relative", "lib/ld.so", NULL, "(PT_INTERP) 'lib/ld.so'"},
                {"interp-dotdot", "/lib/../../../../x/ld.so", NULL, "(PT_INTERP) '/lib/../../../../x/ld.so'"},
        };
        /* What "../../x" names from the host's bin: a loader would load it, an unchecked copy copy it. */
        (void)snprintf(p, sizeof(p), "%s/x", w.dir);
        write_elf(p, NULL, NULL, NULL);
        char before[16384] = "", after[16384] = "";
        list_tree(w.dir, before, sizeof(before));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char prog[256], want[512];
                const char *needed[] = {bad[i].needed, NULL};
                (void)snprintf(prog, sizeof(prog), "%s/bin/%s", host, bad[i].name);
                write_elf(prog, bad[i].interp, NULL, bad[i].needed ? needed : NULL);
                struct sbx_err err = {0};
                /* From the host's bin, where "../../x" and "lib/..." would resolve for a loader. */
                (void)snprintf(want, sizeof(want), "%s/bin", host);
                assert_int_equal(chdir(want), 0);
                assert_int_equal(sbx_mkrootfs_copy(&w.t, prog, NULL, &err), -EINVAL);
                (void)snprintf(want, sizeof(want), "'%s': ", prog);
                if (!strstr(err.msg, want) || !strstr(err.msg, bad[i].entry) || !strstr(err.msg, "(refused)"))
                        fail_msg("%s: message '%s'", bad[i].name, err.msg);
                assert_int_equal(unlink(prog), 0);
        }
        assert_int_equal(chdir("/"), 0);
        /* Nothing was written anywhere in the workspace, in the tree or outside it. */
        list_tree(w.dir, after, sizeof(after));
        assert_string_equal(after, before);

        /* Positive controls: a program with an absolute interpreter and RUNPATH $ORIGIN/../lib; another whose
         * RUNPATH climbs above / (the kernel stays at /, and so does the copy: it lands inside the tree). */
        char good[256], deep[256], rp[512];
        const char *needed[] = {"libgood.so", NULL};
        (void)snprintf(good, sizeof(good), "%s/bin/good", host);
        write_elf(good, interp, "$ORIGIN/../lib", needed);
        (void)snprintf(deep, sizeof(deep), "%s/bin/deep", host);
        (void)snprintf(rp, sizeof(rp), "$ORIGIN/../../../../../../../../../..%s/lib", host);
        write_elf(deep, interp, rp, needed);
        char want[512], rel[512];
        (void)snprintf(want, sizeof(want), "%s/lib\n", host);
        for (const char *const *prog = (const char *const[]){good, deep, NULL}; *prog; prog++) {
                struct sbx_err err = {0};
                char *libdirs = NULL;
                if (sbx_mkrootfs_copy(&w.t, *prog, &libdirs, &err) < 0)
                        fail_msg("copy %s: %s", *prog, err.msg);
                assert_string_equal(libdirs, want);
                free(libdirs);
        }
        static const char *const copied[] = {"bin/good", "bin/deep", "lib/libgood.so", "lib/ld.so"};
        for (size_t i = 0; i < ELEMENTSOF(copied); i++) {
                (void)snprintf(rel, sizeof(rel), "%s/%s", host + 1, copied[i]);
                assert_true(S_ISREG(mode_of(&w, rel)));
                assert_owned_by_tree(&w, rel);
        }
        /* In real directories: no "bin/.." path was made. */
        char listing[16384] = "";
        list_tree(w.tree, listing, sizeof(listing));
        if (strstr(listing, "/.."))
                fail_msg("a '..' in a copied path: %s", listing);
        ws_done(&w);
}

/* ---- removing a tree ---- */

static void test_remove_links(void **state)
{
        struct ws w;
        ws_init(&w);
        link_in_tree(&w, w.vdir, "dirlink");
        link_in_tree(&w, w.victim, "filelink");
        assert_int_equal(mkdirat(w.t.fd, "a", 0755), 0);
        assert_int_equal(mkdirat(w.t.fd, "a/b", 0755), 0);
        link_in_tree(&w, "../../../outside", "a/b/up");
        file_in_tree(&w, "a/b/f", "x", 0644);
        assert_int_equal(mkfifoat(w.t.fd, "a/fifo", 0644), 0);
        assert_int_equal(mkdirat(w.t.fd, "a/ro", 0555), 0);
        struct outside before;
        outside_snap(&w, &before);
        struct sbx_err err = {0};
        if (sbx_mkrootfs_remove(w.wsfd, "tree", w.tree, &err) < 0)
                fail_msg("remove: %s", err.msg);
        /* The tree is gone; what its links pointed to is all there. */
        assert_int_equal(faccessat(w.wsfd, "tree", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(errno, ENOENT);
        assert_outside_unchanged(&w, &before);
        ws_done(&w);
}

/* A private mount namespace for this test process (mounts made in it go with the process). */
static bool private_mounts(void)
{
        static int done = -1;
        if (done < 0)
                done = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
                       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
        return done;
}

static void test_remove_mount(void **state)
{
        if (!private_mounts())
                sbx_skip("needs root, for a private mount namespace");
        struct ws w;
        ws_init(&w);
        assert_int_equal(mkdirat(w.t.fd, "mnt", 0755), 0);
        assert_int_equal(mkdirat(w.t.fd, "other", 0755), 0);
        file_in_tree(&w, "other/f", "x", 0644);
        char mnt[200];
        (void)snprintf(mnt, sizeof(mnt), "%s/mnt", w.tree);
        /* A bind mount of the outside directory: the same filesystem, so only the mount itself tells. */
        assert_int_equal(mount(w.vdir, mnt, NULL, MS_BIND, NULL), 0);
        struct outside before;
        outside_snap(&w, &before);
        struct sbx_err err = {0};
        assert_int_equal(sbx_mkrootfs_remove(w.wsfd, "tree", w.tree, &err), -EBUSY);
        assert_non_null(strstr(err.msg, "/tree/mnt' is a mount point: not entered, left in place"));
        assert_outside_unchanged(&w, &before);
        /* The rest is removed; the mount point and the directories above it stay. */
        assert_int_equal(faccessat(w.t.fd, "other", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(faccessat(w.t.fd, "mnt/f", F_OK, AT_SYMLINK_NOFOLLOW), 0);
        /* Positive control: unmounted, it all goes. */
        assert_int_equal(umount2(mnt, 0), 0);
        if (sbx_mkrootfs_remove(w.wsfd, "tree", w.tree, &err) < 0)
                fail_msg("remove: %s", err.msg);
        assert_int_equal(faccessat(w.wsfd, "tree", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        ws_done(&w);
}

/* ---- staging ---- */

static void test_stage_untrusted_parent(void **state)
{
        struct ws w;
        ws_init(&w);
        /* The workspace is in /tmp, which is world-writable: not a root-only chain. */
        char dir[200];
        (void)snprintf(dir, sizeof(dir), "%s/rootfs", w.dir);
        struct sbx_mkrootfs_stage st;
        struct sbx_err err = {0};
        assert_int_equal(sbx_mkrootfs_stage_open(dir, &st, &err), -EPERM);
        assert_non_null(strstr(err.msg, "is not on a root-only chain: unsafe"));
        assert_non_null(strstr(err.msg, "'/tmp'"));
        assert_non_null(strstr(err.msg, "fix: make every directory from / down to"));
        char listing[4096] = "";
        list_tree(w.dir, listing, sizeof(listing));
        assert_null(strstr(listing, "/rootfs"));
        assert_null(strstr(listing, ".mkrootfs-"));
        ws_done(&w);
}

/* A root-only directory to stage in: a tmpfs on /run in the private mount namespace, as test-safepath does. */
static const char *root_only_dir(void)
{
        static char dir[64];
        if (!private_mounts())
                return NULL;
        if (!dir[0]) {
                if (mount("sbx-test", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m") < 0)
                        return NULL;
                (void)strlcpy(dir, "/run/stage-test", sizeof(dir));
                if (mkdir(dir, 0755) < 0)
                        return NULL;
        }
        return dir;
}

static void test_stage_commit_and_abort(void **state)
{
        const char *base = root_only_dir();
        if (!base)
                sbx_skip("needs root, for a root-only directory in a private mount namespace");
        char dir[128], listing[4096];
        (void)snprintf(dir, sizeof(dir), "%s/rootfs", base);
        struct sbx_mkrootfs_stage st;
        struct sbx_err err = {0};
        /* Built in the staging directory, invisible at dir until the commit. */
        if (sbx_mkrootfs_stage_open(dir, &st, &err) < 0)
                fail_msg("stage: %s", err.msg);
        struct stat sst;
        assert_int_equal(stat(st.stage_path, &sst), 0);
        assert_int_equal(sst.st_mode & 07777, 0700);
        assert_int_equal(sst.st_uid, 0);
        assert_non_null(strstr(st.tree.path, "/.rootfs.mkrootfs-"));
        if (sbx_mkrootfs_skeleton(&st.tree, &err) < 0)
                fail_msg("skeleton: %s", err.msg);
        assert_int_equal(access(dir, F_OK), -1);
        if (sbx_mkrootfs_stage_commit(&st, &err) < 0 || sbx_mkrootfs_stage_done(&st, &err) < 0)
                fail_msg("commit: %s", err.msg);
        listing[0] = '\0';
        list_tree(base, listing, sizeof(listing));
        assert_non_null(strstr(listing, "/rootfs/proc\n"));
        assert_null(strstr(listing, ".mkrootfs-"));
        assert_int_equal(stat(dir, &sst), 0);
        assert_int_equal(sst.st_mode & 07777, 0755);

        /* Into a non-empty dir: refused before anything is made. */
        assert_int_equal(sbx_mkrootfs_stage_open(dir, &st, &err), -EEXIST);
        assert_non_null(strstr(err.msg, "exists and is not empty"));

        /* Not committed: the staging directory goes, tree and all; nothing is at the target. */
        char other[128];
        (void)snprintf(other, sizeof(other), "%s/other", base);
        if (sbx_mkrootfs_stage_open(other, &st, &err) < 0 || sbx_mkrootfs_skeleton(&st.tree, &err) < 0)
                fail_msg("stage: %s", err.msg);
        if (sbx_mkrootfs_stage_done(&st, &err) < 0)
                fail_msg("done: %s", err.msg);
        listing[0] = '\0';
        list_tree(base, listing, sizeof(listing));
        assert_null(strstr(listing, ".mkrootfs-"));
        assert_null(strstr(listing, "/other"));
        int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(sbx_mkrootfs_remove(bfd, "rootfs", dir, &err), 0);
        close(bfd);
}

static int teardown(void **state)
{
        int tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (size_t i = 0; tmp >= 0 && i < n_made; i++)
                (void)sbx_mkrootfs_remove(tmp, made[i] + strlen("/tmp/"), made[i], NULL);
        if (tmp >= 0)
                close(tmp);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sanitize_links),
                cmocka_unit_test(test_sanitize_race),
                cmocka_unit_test(test_skeleton_links),
                cmocka_unit_test(test_accounts_links),
                cmocka_unit_test(test_install_links),
                cmocka_unit_test(test_copy_elf_names),
                cmocka_unit_test(test_remove_links),
                cmocka_unit_test(test_remove_mount),
                cmocka_unit_test(test_stage_untrusted_parent),
                cmocka_unit_test(test_stage_commit_and_abort),
                cmocka_unit_test(test_resolv_conf),
        };
        return cmocka_run_group_tests(tests, NULL, teardown);
}
