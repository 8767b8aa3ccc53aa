/* ks-album-picker.h: adds photos to an album the user picks or names
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ks-api-client.h"

G_BEGIN_DECLS

#define KS_TYPE_ALBUM_PICKER (ks_album_picker_get_type ())
G_DECLARE_FINAL_TYPE (KsAlbumPicker, ks_album_picker, KS, ALBUM_PICKER, AdwWindow)

/*
 * Lists the albums the user may add to (own and contributor) and offers a
 * new one. Signals:
 *   "done" (const char *message): the photos were added (or not), as a
 *     sentence to show; the dialog closes itself.
 */
KsAlbumPicker *ks_album_picker_new (KsApiClient       *api,
                                    const char *const *photo_ids);

G_END_DECLS
