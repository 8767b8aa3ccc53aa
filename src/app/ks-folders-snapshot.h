/* ks-folders-snapshot.h: what the journal says about watched folders, read off the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-sync-engine.h"

G_BEGIN_DECLS

typedef struct
{
  gint64      id;
  char       *path; /* absolute */
  KsSyncAlbum album;
  char       *album_value;  /* nullable: the id (_ID) or name (_NAMED) */
  gboolean    paused;       /* by the engine: the root went away */
  char       *pause_reason; /* nullable */
  gboolean    missing;      /* the root is not a folder now */
  guint64     done;
  guint64     waiting; /* new, hashing, queued, uploading */
  guint64     failed;
} KsFolderInfo;

typedef struct
{
  gint64 file_id;
  char  *path;    /* absolute */
  char  *message; /* the last error */
} KsFolderFailure;

typedef struct
{
  GPtrArray *folders;  /* KsFolderInfo, by path; drop records left out */
  GPtrArray *failures; /* KsFolderFailure, newest first */
} KsFoldersSnapshot;

void ks_folders_snapshot_free (KsFoldersSnapshot *self);

/* Whether @path is a watched folder or inside one. */
gboolean ks_folders_snapshot_covers (const KsFoldersSnapshot *self,
                                     const char              *path);

/* Reads @journal on a worker thread: folders, their counts, whether
 * their roots exist, and the files that failed for good. */
void               ks_folders_snapshot_read_async (KsJournal          *journal,
                                                   GCancellable       *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer            user_data);
KsFoldersSnapshot *ks_folders_snapshot_read_finish (GAsyncResult *result,
                                                    GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsFoldersSnapshot, ks_folders_snapshot_free)

G_END_DECLS
