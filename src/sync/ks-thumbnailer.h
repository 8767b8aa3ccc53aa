/* ks-thumbnailer.h: grid thumbnails and previews, made locally
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-image-info.h"

G_BEGIN_DECLS

#define KS_THUMB_GRID_SIZE 256 /* long edge, px */
#define KS_THUMB_PREVIEW_SIZE 1280

/* One photo's local work: its SHA-256 and size (streamed), what it is,
 * and both JPEG thumbnails (EXIF orientation applied, never upscaled),
 * written into a directory the caller owns. */
typedef struct
{
  char        *sha256; /* of the original, lower-case hex */
  gint64       size;
  gint64       mtime; /* µs, when it was read */
  KsImageInfo *info;
  GFile       *grid; /* "<dir>/<sha256>-grid.jpg" */
  char        *grid_sha256;
  gint64       grid_size;
  GFile       *preview;
  char        *preview_sha256;
  gint64       preview_size;
} KsThumbnails;

void ks_thumbnails_free (KsThumbnails *self);

/* Blocking: for a worker thread. Errors: KS_SYNC_ERROR_NOT_IMAGE,
 * _UNSUPPORTED, _CORRUPT, or G_IO_ERROR from reading or writing. */
KsThumbnails *ks_thumbnails_make (GFile        *original,
                                  GFile        *dir,
                                  GCancellable *cancellable,
                                  GError      **error);

/* The same on a shared thread pool sized to the machine's cores. */
void          ks_thumbnails_make_async (GFile              *original,
                                        GFile              *dir,
                                        int                 io_priority,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
KsThumbnails *ks_thumbnails_make_finish (GAsyncResult *result,
                                         GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsThumbnails, ks_thumbnails_free)

G_END_DECLS
