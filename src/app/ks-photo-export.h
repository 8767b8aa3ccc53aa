/* ks-photo-export.h: photos' originals as files, for Files or a folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-photo-item.h"
#include "ks-transfer.h"

G_BEGIN_DECLS

/* --- Into a folder */

/* Called before each photo: @index counts from 1. */
typedef void (*KsPhotoExportProgress) (guint    index,
                                       guint    total,
                                       gpointer user_data);

/*
 * Downloads the originals of @items (KsPhotoItem) one at a time into
 * @folder, each under its own file name made unique there
 * (ks_photo_fetch_unique_file): verified by SHA-256, or copied from the
 * local file of a photo still uploading. A photo that fails does not
 * stop the others.
 */
void ks_photo_export_to_folder_async (KsApiClient          *api,
                                      SoupSession          *soup,
                                      GPtrArray            *items,
                                      GFile                *folder,
                                      KsPhotoExportProgress progress,
                                      gpointer              progress_data,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
/* (transfer container): the GFiles written, in order. @out_n_failed:
 * how many photos failed. Fails (NULL) when cancelled, or when every
 * photo failed, with the first photo's error. */
GPtrArray *ks_photo_export_to_folder_finish (GAsyncResult *result,
                                             guint        *out_n_failed,
                                             GError      **error);

/* --- Dragged out */

#define KS_TYPE_PHOTO_EXPORT (ks_photo_export_get_type ())
G_DECLARE_FINAL_TYPE (KsPhotoExport, ks_photo_export, KS, PHOTO_EXPORT, GdkContentProvider)

/*
 * What a drag of photos gives a drop target: a GdkFileList, offered as
 * every type GTK serializes one to (text/uri-list, the file transfer
 * portal's, ...). The first time a target asks, the originals are
 * exported into a new directory of their own under
 * $XDG_CACHE_HOME/keepsake/export/; every request waits for that one
 * export. Inside the app (get_value) the files are only given once
 * exported: a drop back onto the window is not an import.
 *
 * Signal "failed" (const char *message): some or all photos could not
 * be exported, in a sentence for a toast. Emitted once.
 */
KsPhotoExport *ks_photo_export_new (KsApiClient *api,
                                    SoupSession *soup,
                                    GPtrArray   *items);

guint ks_photo_export_get_n_photos (KsPhotoExport *self);

/* A GtkDropTarget "accept" handler for targets of files from outside:
 * refuses drags that started in this app (photos dragged out of a grid
 * are exports, not new files), else accepts what the target's formats
 * match. */
gboolean ks_photo_export_accept_external_drop (GtkDropTarget *target,
                                               GdkDrop       *drop,
                                               gpointer       user_data);

/* Removes export directories older than a day, on a worker thread; the
 * first call in a process only. */
void ks_photo_export_prune (void);

G_END_DECLS
