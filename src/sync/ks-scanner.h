/* ks-scanner.h: a full scan of a watched folder, streamed in batches
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One regular file under the root. */
typedef struct
{
  char   *path; /* relative to the root, '/'-separated */
  gint64  size;
  gint64  mtime; /* µs since the epoch */
  guint64 inode;
  guint64 device;
} KsScanEntry;

void ks_scan_entry_free (KsScanEntry *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsScanEntry, ks_scan_entry_free)

/* Which directory a root path names right now. A root whose identity
 * changed was replaced, or its disk was unmounted or swapped. */
typedef struct
{
  guint64  device;
  guint64  inode;
  gboolean mount_point; /* on another file system than its parent */
} KsRootIdentity;

/* Follows a symlinked root. Missing or not a directory:
 * KS_SYNC_ERROR_FOLDER_GONE. Cheap (two stat calls) but blocking. */
gboolean ks_root_identity_read (GFile          *root,
                                KsRootIdentity *out,
                                GError        **error);
gboolean ks_root_identity_equal (const KsRootIdentity *a,
                                 const KsRootIdentity *b);

typedef struct
{
  guint64 n_files;
  guint64 n_dirs;   /* including the root */
  guint   n_errors; /* "path-error" emissions */
  guint   n_batches;
} KsScanStats;

#define KS_SCANNER_DEFAULT_BATCH_SIZE 512

#define KS_TYPE_SCANNER (ks_scanner_get_type ())
G_DECLARE_FINAL_TYPE (KsScanner, ks_scanner, KS, SCANNER, GObject)

/*
 * Walks @root on a worker thread and hands what it finds to the main
 * context of the caller of ks_scanner_scan_async(), as signals:
 *
 * - "batch" (GPtrArray *entries): at most batch-size KsScanEntry, owned
 *   by the array, valid during the emission only;
 * - "path-error" (const char *path, GError *error): a subdirectory that
 *   could not be read (permissions, I/O); the scan goes on without it.
 *
 * At most two batches wait for the main context at any time; the
 * walker blocks until they are handled, so memory does not grow with
 * the tree. Hidden files and directories and partial downloads
 * (ks_image_info_name_is_ignored()) are skipped, symlinks are never
 * followed, and only regular files are reported.
 */
KsScanner *ks_scanner_new (GFile *root);
GFile     *ks_scanner_get_root (KsScanner *self);
void       ks_scanner_set_batch_size (KsScanner *self,
                                      guint      batch_size);
guint      ks_scanner_get_batch_size (KsScanner *self);

/* Every batch and path error has been emitted before @callback runs.
 * The root missing at the start, or not the same directory at the end
 * (replaced, unmounted), is KS_SYNC_ERROR_FOLDER_GONE: the batches seen
 * then say nothing about what was deleted. @out_stats: (nullable). */
void     ks_scanner_scan_async (KsScanner          *self,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
gboolean ks_scanner_scan_finish (KsScanner    *self,
                                 GAsyncResult *result,
                                 KsScanStats  *out_stats,
                                 GError      **error);

G_END_DECLS
