/* ks-sync-error.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_SYNC_ERROR (ks_sync_error_quark ())

/**
 * KsSyncError:
 * @KS_SYNC_ERROR_FAILED: anything not below
 * @KS_SYNC_ERROR_NOT_IMAGE: the file's content is not an image
 * @KS_SYNC_ERROR_UNSUPPORTED: an image format no GdkPixbuf loader reads
 * @KS_SYNC_ERROR_CORRUPT: an image that cannot be decoded (truncated,
 *   damaged)
 * @KS_SYNC_ERROR_JOURNAL: the journal database failed (corrupt, disk
 *   full); the message says which
 * @KS_SYNC_ERROR_FOLDER_GONE: a watched folder's root is missing or its
 *   file system changed; the folder is paused
 * @KS_SYNC_ERROR_CHANGED: the file changed while it was being read; try
 *   again once it has settled
 * @KS_SYNC_ERROR_NOT_FOUND: no such folder or file in the journal
 * @KS_SYNC_ERROR_EXISTS: the folder is already watched
 * @KS_SYNC_ERROR_CACHE: thumbnails cannot be written to the cache folder
 *   (its disk is full, read-only or not writable): not the photo's
 *   fault; uploads wait for it
 * @KS_SYNC_ERROR_JOURNAL_DAMAGED: a database file is damaged: the
 *   journal is left as it is (ks_journal_start_over() replaces it), the
 *   album cache starts afresh when it opens
 */
typedef enum
{
  KS_SYNC_ERROR_FAILED,
  KS_SYNC_ERROR_NOT_IMAGE,
  KS_SYNC_ERROR_UNSUPPORTED,
  KS_SYNC_ERROR_CORRUPT,
  KS_SYNC_ERROR_JOURNAL,
  KS_SYNC_ERROR_FOLDER_GONE,
  KS_SYNC_ERROR_CHANGED,
  KS_SYNC_ERROR_NOT_FOUND,
  KS_SYNC_ERROR_EXISTS,
  KS_SYNC_ERROR_CACHE,
  KS_SYNC_ERROR_JOURNAL_DAMAGED,
} KsSyncError;

GQuark ks_sync_error_quark (void);

void ks_sync_error_set_cache (GError      **error,
                              GFile        *dir,
                              const GError *cause);

G_END_DECLS
