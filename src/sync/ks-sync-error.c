/* ks-sync-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-sync-error.h"

G_DEFINE_QUARK (ks_sync_error_quark, ks_sync_error)

/**
 * ks_sync_error_set_cache:
 * @dir: where the thumbnails were to go
 * @cause: why writing there failed
 *
 * Sets @error to %KS_SYNC_ERROR_CACHE: the cache's disk, not the photo.
 * A full disk is said so; anything else gives @cause's message.
 */
void
ks_sync_error_set_cache (GError      **error,
                         GFile        *dir,
                         const GError *cause)
{
  g_autofree char *path = g_file_get_path (dir);

  if (g_error_matches (cause, G_FILE_ERROR, G_FILE_ERROR_NOSPC) || g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CACHE, _ ("The disk is full: no room for thumbnails in “%s”"),
                 path != NULL ? path : "?");
  else
    g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CACHE, _ ("Thumbnails cannot be written (%s)"), cause->message);
}
