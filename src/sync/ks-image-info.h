/* ks-image-info.h: what a file is, recognised by its content
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char *content_type; /* "image/jpeg", "image/png", ... */
  int   width;        /* as displayed: EXIF orientation applied */
  int   height;
  int   orientation; /* EXIF 1-8, 1 when absent */
  char *taken_at;    /* nullable: EXIF DateTimeOriginal as RFC 3339,
                      * with OffsetTimeOriginal when present, else
                      * without offset ("2024-05-01T12:34:56") */
  char *camera;      /* nullable: "Make Model" */
} KsImageInfo;

void ks_image_info_free (KsImageInfo *self);

/* Sniffs the first bytes (JPEG, PNG, WebP, GIF, TIFF, HEIC/AVIF; not
 * the extension), then reads dimensions and EXIF without decoding the
 * pixels. Not an image: KS_SYNC_ERROR_NOT_IMAGE; an image no GdkPixbuf
 * loader reads: KS_SYNC_ERROR_UNSUPPORTED; unreadable headers:
 * KS_SYNC_ERROR_CORRUPT. Blocking: call from a worker thread. */
KsImageInfo *ks_image_info_read (GFile        *file,
                                 GCancellable *cancellable,
                                 GError      **error);

/* Cheap pre-filter for watchers: hidden files, partial downloads
 * (".part", ".crdownload", "~"-suffixed, ".tmp") and the like. */
gboolean ks_image_info_name_is_ignored (const char *basename);

/* Whether @name ends like a photo (".jpg", ".heic", ...): such a file
 * that is not an image by content is an error, not just skipped. */
gboolean ks_image_info_name_has_image_extension (const char *name);

/* A cheap first look (the first bytes only): FALSE when the file was
 * read and is no image format ks_image_info_read() knows. Blocking. */
gboolean ks_image_info_path_may_be_image (const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsImageInfo, ks_image_info_free)

G_END_DECLS
