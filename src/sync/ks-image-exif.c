/* ks-image-exif.c: a small, careful TIFF/EXIF reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ks-image-info-private.h"

#define MAX_IFD_ENTRIES 1024
#define MAX_EXIF_STRING 128

/* ---- sources ---- */

void
ks_image_source_clear (KsImageSource *src)
{
  g_clear_error (&src->io_error);
}

gboolean
ks_image_source_read (KsImageSource *src,
                      guint64        off,
                      gsize          n,
                      guint8        *out)
{
  gsize got = 0;

  if (off > src->len || n > src->len - off)
    return FALSE;

  if (src->data != NULL)
    {
      memcpy (out, src->data + off, n);
      return TRUE;
    }

  if (src->io_error != NULL)
    return FALSE;

  if (!g_seekable_seek (G_SEEKABLE (src->stream), src->base + (goffset) off, G_SEEK_SET,
                        src->cancellable, &src->io_error) ||
      !g_input_stream_read_all (src->stream, out, n, &got, src->cancellable, &src->io_error))
    return FALSE;

  return got == n;
}

/* ---- TIFF structure (TIFF files and EXIF blocks) ---- */

enum
{
  TIFF_SHORT = 3,
  TIFF_LONG = 4,
};

enum
{
  TAG_IMAGE_WIDTH = 0x0100,
  TAG_IMAGE_LENGTH = 0x0101,
  TAG_MAKE = 0x010f,
  TAG_MODEL = 0x0110,
  TAG_ORIENTATION = 0x0112,
  TAG_EXIF_IFD = 0x8769,
  TAG_DATE_TIME_ORIGINAL = 0x9003,
  TAG_DATE_TIME_DIGITIZED = 0x9004,
  TAG_OFFSET_TIME_ORIGINAL = 0x9011,
};

typedef struct
{
  KsImageSource *src;
  gboolean       big_endian;
} Tiff;

typedef struct
{
  guint16 tag;
  guint16 type;
  guint32 count;
  guint64 value_off; /* where the value is: inline or pointed to */
} TiffEntry;

void
ks_exif_data_clear (KsExifData *exif)
{
  g_clear_pointer (&exif->make, g_free);
  g_clear_pointer (&exif->model, g_free);
  g_clear_pointer (&exif->date_time, g_free);
  g_clear_pointer (&exif->offset_time, g_free);
}

guint16
ks_image_get_u16 (const guint8 *p,
                  gboolean      big_endian)
{
  return big_endian ? (guint16) ((p[0] << 8) | p[1]) : (guint16) ((p[1] << 8) | p[0]);
}

guint32
ks_image_get_u32 (const guint8 *p,
                  gboolean      big_endian)
{
  if (big_endian)
    return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
  return ((guint32) p[3] << 24) | ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
}

static gboolean
tiff_read_u16 (Tiff    *tiff,
               guint64  off,
               guint16 *out)
{
  guint8 b[2];

  if (!ks_image_source_read (tiff->src, off, 2, b))
    return FALSE;
  *out = ks_image_get_u16 (b, tiff->big_endian);
  return TRUE;
}

static gboolean
tiff_read_header (Tiff    *tiff,
                  guint32 *out_ifd0)
{
  guint8 b[8];

  if (!ks_image_source_read (tiff->src, 0, sizeof b, b))
    return FALSE;

  if (memcmp (b, "II*\0", 4) == 0)
    tiff->big_endian = FALSE;
  else if (memcmp (b, "MM\0*", 4) == 0)
    tiff->big_endian = TRUE;
  else
    return FALSE;

  *out_ifd0 = ks_image_get_u32 (b + 4, tiff->big_endian);
  return TRUE;
}

static gboolean
tiff_read_entry (Tiff      *tiff,
                 guint64    off,
                 TiffEntry *entry)
{
  static const guint8 type_sizes[] = { 0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8 };
  guint8              b[12];
  guint64             size;

  if (!ks_image_source_read (tiff->src, off, sizeof b, b))
    return FALSE;

  entry->tag = ks_image_get_u16 (b, tiff->big_endian);
  entry->type = ks_image_get_u16 (b + 2, tiff->big_endian);
  entry->count = ks_image_get_u32 (b + 4, tiff->big_endian);
  if (entry->type == 0 || entry->type >= G_N_ELEMENTS (type_sizes))
    return FALSE;

  /* 64-bit arithmetic: count * 8 cannot overflow it. */
  size = (guint64) type_sizes[entry->type] * entry->count;
  entry->value_off = size <= 4 ? off + 8 : ks_image_get_u32 (b + 8, tiff->big_endian);
  return TRUE;
}

/* SHORT or LONG, count 1, as dimensions and orientation are written. */
static gboolean
tiff_entry_uint (Tiff            *tiff,
                 const TiffEntry *entry,
                 guint32         *out)
{
  guint8 b[4];

  if (entry->count != 1 || (entry->type != TIFF_SHORT && entry->type != TIFF_LONG))
    return FALSE;
  if (!ks_image_source_read (tiff->src, entry->value_off, entry->type == TIFF_SHORT ? 2 : 4, b))
    return FALSE;

  *out = entry->type == TIFF_SHORT ? ks_image_get_u16 (b, tiff->big_endian) : ks_image_get_u32 (b, tiff->big_endian);
  return TRUE;
}

/* An ASCII value, trimmed; NULL when empty, not text, or out of range. */
static char *
tiff_entry_string (Tiff            *tiff,
                   const TiffEntry *entry)
{
  char  buf[MAX_EXIF_STRING + 1];
  gsize n = MIN (entry->count, MAX_EXIF_STRING);

  if (entry->type != 2 || n == 0 || !ks_image_source_read (tiff->src, entry->value_off, n, (guint8 *) buf))
    return NULL;
  buf[n] = '\0';
  g_strstrip (buf);

  for (const char *p = buf; *p != '\0'; p++)
    if (!g_ascii_isprint (*p))
      return NULL;

  return buf[0] != '\0' ? g_strdup (buf) : NULL;
}

static void
set_string (char **field,
            char  *value)
{
  if (value != NULL)
    {
      g_free (*field);
      *field = value;
    }
}

/* Reads the tags we care about from one IFD; @exif_ifd gets the Exif
 * sub-IFD's offset when the IFD points to one. */
static void
tiff_read_ifd (Tiff       *tiff,
               guint64     off,
               KsExifData *exif,
               guint32    *exif_ifd)
{
  guint16 n_entries;

  if (!tiff_read_u16 (tiff, off, &n_entries))
    return;

  for (guint i = 0; i < MIN (n_entries, MAX_IFD_ENTRIES); i++)
    {
      TiffEntry entry;
      guint32   value;

      if (!tiff_read_entry (tiff, off + 2 + 12 * (guint64) i, &entry))
        {
          if (tiff->src->io_error != NULL || off + 2 + 12 * (guint64) (i + 1) > tiff->src->len)
            return;
          continue; /* an unknown type: skip this entry only */
        }

      switch (entry.tag)
        {
        case TAG_IMAGE_WIDTH:
          if (tiff_entry_uint (tiff, &entry, &value) && value <= G_MAXINT)
            exif->tiff_width = (int) value;
          break;
        case TAG_IMAGE_LENGTH:
          if (tiff_entry_uint (tiff, &entry, &value) && value <= G_MAXINT)
            exif->tiff_height = (int) value;
          break;
        case TAG_ORIENTATION:
          if (tiff_entry_uint (tiff, &entry, &value) && value >= 1 && value <= 8)
            exif->orientation = (int) value;
          break;
        case TAG_MAKE:
          set_string (&exif->make, tiff_entry_string (tiff, &entry));
          break;
        case TAG_MODEL:
          set_string (&exif->model, tiff_entry_string (tiff, &entry));
          break;
        case TAG_EXIF_IFD:
          if (exif_ifd != NULL && tiff_entry_uint (tiff, &entry, &value))
            *exif_ifd = value;
          break;
        case TAG_DATE_TIME_ORIGINAL:
          set_string (&exif->date_time, tiff_entry_string (tiff, &entry));
          break;
        case TAG_DATE_TIME_DIGITIZED:
          if (exif->date_time == NULL)
            exif->date_time = tiff_entry_string (tiff, &entry);
          break;
        case TAG_OFFSET_TIME_ORIGINAL:
          set_string (&exif->offset_time, tiff_entry_string (tiff, &entry));
          break;
        default:
          break;
        }
    }
}

/* IFD0 and its Exif sub-IFD, nothing else, so no pointer can loop. */
gboolean
ks_exif_parse_tiff (KsImageSource *src,
                    KsExifData    *exif)
{
  Tiff    tiff = { src, FALSE };
  guint32 ifd0;
  guint32 exif_ifd = 0;

  if (!tiff_read_header (&tiff, &ifd0))
    return FALSE;

  tiff_read_ifd (&tiff, ifd0, exif, &exif_ifd);
  if (exif_ifd != 0 && exif_ifd != ifd0)
    tiff_read_ifd (&tiff, exif_ifd, exif, NULL);

  return TRUE;
}

/* ---- dates ---- */

static gboolean
parse_digits (const char *s,
              int         n,
              int        *out)
{
  int value = 0;

  for (int i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      value = value * 10 + (s[i] - '0');
    }
  *out = value;
  return TRUE;
}

char *
ks_exif_format_taken_at (const char *date_time,
                         const char *offset)
{
  int      y, mo, d, h, mi, s, oh, om;
  gboolean has_offset;

  if (date_time == NULL || strlen (date_time) < 19 ||
      !parse_digits (date_time, 4, &y) || date_time[4] != ':' ||
      !parse_digits (date_time + 5, 2, &mo) || date_time[7] != ':' ||
      !parse_digits (date_time + 8, 2, &d) || date_time[10] != ' ' ||
      !parse_digits (date_time + 11, 2, &h) || date_time[13] != ':' ||
      !parse_digits (date_time + 14, 2, &mi) || date_time[16] != ':' ||
      !parse_digits (date_time + 17, 2, &s))
    return NULL;

  if (y < 1 || !g_date_valid_dmy ((GDateDay) d, (GDateMonth) mo, (GDateYear) y) ||
      h > 23 || mi > 59 || s > 60)
    return NULL;

  has_offset = offset != NULL && strlen (offset) == 6 &&
               (offset[0] == '+' || offset[0] == '-') &&
               parse_digits (offset + 1, 2, &oh) && offset[3] == ':' &&
               parse_digits (offset + 4, 2, &om) && oh <= 23 && om <= 59;

  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d%s", y, mo, d, h, mi, s,
                          has_offset ? offset : "");
}
