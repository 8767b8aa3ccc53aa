/* ks-image-info-private.h: what ks-image-info.c and ks-image-exif.c share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bytes to parse: a seekable stream, or a buffer already in memory. */
typedef struct
{
  const guint8 *data; /* nullable: read from stream instead */
  GInputStream *stream;
  GCancellable *cancellable;
  goffset       base;     /* where offset 0 is, in the stream */
  guint64       len;      /* bytes readable from base */
  GError       *io_error; /* owned, nullable: the first I/O failure */
} KsImageSource;

void ks_image_source_clear (KsImageSource *src);
/* FALSE when [off, off + n) is outside the source or reading failed;
 * I/O failures (cancellation) are kept in io_error for the caller. */
gboolean ks_image_source_read (KsImageSource *src,
                               guint64        off,
                               gsize          n,
                               guint8        *out);

guint16 ks_image_get_u16 (const guint8 *p,
                          gboolean      big_endian);
guint32 ks_image_get_u32 (const guint8 *p,
                          gboolean      big_endian);

/* What we read from EXIF (or a TIFF file's own IFD0). */
typedef struct
{
  int   orientation; /* 0 until read */
  int   width;
  int   height;
  int   tiff_width; /* from IFD0: what a TIFF file says of itself */
  int   tiff_height;
  char *make;
  char *model;
  char *date_time;
  char *offset_time;
} KsExifData;

void ks_exif_data_clear (KsExifData *exif);

/* A TIFF structure at offset 0 of @src: IFD0 and its Exif sub-IFD. Every
 * read is bounds-checked; damage only leaves fields unset. FALSE when
 * there is no TIFF header. */
gboolean ks_exif_parse_tiff (KsImageSource *src,
                             KsExifData    *exif);
/* "YYYY:MM:DD HH:MM:SS" (+ "+HH:MM") to RFC 3339; NULL for the blanks
 * and zeros cameras write when their clock was never set. */
char *ks_exif_format_taken_at (const char *date_time,
                               const char *offset);

G_END_DECLS
