/* ks-dir-budget.h: a size budget for a directory of cached files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What one trim found and did. Sizes are the files' lengths in bytes. */
typedef struct
{
  gint64 total;   /* our files left */
  guint  n_files; /* our files left */
  guint  n_removed;
  gint64 removed_bytes;
  guint  n_skipped;   /* in use, or used or replaced since the scan */
  guint  n_failed;    /* could not be removed */
  guint  n_leftovers; /* temporary files a crash left, removed */
} KsDirBudgetReport;

/* A temporary file of ours ("<name>.XXXXXX", as g_file_set_contents()
 * writes them) older than this (µs) was left by a crash. */
#define KS_DIR_BUDGET_LEFTOVER_AGE ((gint64) G_USEC_PER_SEC * 60 * 60)

#define KS_TYPE_DIR_BUDGET (ks_dir_budget_get_type ())
G_DECLARE_FINAL_TYPE (KsDirBudget, ks_dir_budget, KS, DIR_BUDGET, GObject)

/*
 * Keeps the files of @dir named <64 hex digits><@suffix> (a SHA-256 and,
 * say, ".jpg") under @budget bytes, least recently used removed first:
 * once they go over it, down to 80% of it, so that trims are rare. Any
 * other name (someone else's, a temporary file being written) is left
 * alone, and so are subdirectories and symlinks; only a temporary file
 * of ours an hour old, which a crash left, is removed by the scan.
 *
 * "Used" is the file's mtime: a file is used when written, and readers
 * say they used one with ks_dir_budget_touch() (atime is not reliable
 * under noatime or relatime). A removed file is the owner's to fetch
 * again.
 *
 * Cheap while under budget: one scan on a worker thread when started
 * (ks_dir_budget_start()), then a running total kept in memory from what
 * the owner says it wrote (ks_dir_budget_add()); a trim scans again, on
 * a worker thread too.
 */
KsDirBudget *ks_dir_budget_new (const char *dir,
                                const char *suffix,
                                gint64      budget);

/* Whether @name is one of ours: <64 hex digits><@suffix>. */
gboolean ks_dir_budget_name_is_ours (const char *name,
                                     const char *suffix);

/* The first scan (trimming if over budget) after @delay_seconds, so that
 * it does not compete with an app's first reads at start-up; 0: now. */
void ks_dir_budget_start (KsDirBudget *self,
                          guint        delay_seconds);

/* Bytes of our files by the running total; -1 until the first scan is
 * back. Files written during a scan may be counted twice until the next
 * one: the total errs on the high side. */
gint64 ks_dir_budget_get_total (KsDirBudget *self);

/* The owner wrote @bytes (a new file of ours). Starts a trim on a worker
 * thread when that takes the total over budget. Main thread. */
void ks_dir_budget_add (KsDirBudget *self,
                        gint64       bytes);

/* @name is being read or written: no trim removes it until released.
 * Holds nest. Any thread. */
void ks_dir_budget_hold (KsDirBudget *self,
                         const char  *name);
void ks_dir_budget_release (KsDirBudget *self,
                            const char  *name);

/* @name was read: sets its mtime to now, unless that was done (or the
 * file written) less than KS_DIR_BUDGET_TOUCH_INTERVAL ago, so that
 * reading is not a write every time. TRUE if it was set. Blocking (a
 * stat, sometimes a utimensat); any thread. */
#define KS_DIR_BUDGET_TOUCH_INTERVAL (G_GINT64_CONSTANT (60 * 60) * G_USEC_PER_SEC)
gboolean ks_dir_budget_touch (KsDirBudget *self,
                              const char  *name);

/* Scans the directory and, if our files are over budget, removes the
 * least recently used until they are at 80% of it (or none is left that
 * can go). Held files are skipped, and so is a file used or replaced
 * since the scan. A file that cannot be removed is skipped too. A
 * missing directory is an empty one. Blocking; any thread. Does not
 * change the running total: ks_dir_budget_trim_async() does. */
gboolean ks_dir_budget_trim (KsDirBudget       *self,
                             KsDirBudgetReport *out,
                             GCancellable      *cancellable,
                             GError           **error);

/* ks_dir_budget_trim() on a worker thread, then the running total set
 * from it. One trim at a time: a call during one gets the next one's
 * report. */
void     ks_dir_budget_trim_async (KsDirBudget        *self,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
gboolean ks_dir_budget_trim_finish (KsDirBudget       *self,
                                    GAsyncResult      *result,
                                    KsDirBudgetReport *out,
                                    GError           **error);

G_END_DECLS
