/* ks-image-scale.h: shrinking pixels for thumbnails
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* @src (8 bits a sample) shrunk to @width x @height, neither larger
 * than @src's, each pixel the average of the area it covers. Alpha is
 * averaged like the colours: flatten first for a result without
 * fringes. */
GdkPixbuf *ks_image_scale_down (GdkPixbuf *src,
                                int        width,
                                int        height);

G_END_DECLS
