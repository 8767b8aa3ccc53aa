/* ks-image-info.c: sniffing, dimensions and EXIF without decoding pixels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "ks-image-info.h"
#include "ks-image-info-private.h"
#include "ks-sync-error.h"

/* How far we look before giving up on a header: a camera's JPEG has a
 * dozen segments before its frame header, a PNG a few chunks before its
 * pixels. Anything beyond these is not a photo we want to guess about. */
#define MAX_JPEG_SEGMENTS 256
#define MAX_PNG_CHUNKS 256
#define PROBE_CHUNK_SIZE (64 * 1024)
#define PROBE_LIMIT (16 * 1024 * 1024)
#define SNIFF_LEN 32

/* ---- container formats ---- */

static gboolean
has_brand (const guint8 *p,
           const char   *brands[])
{
  for (guint i = 0; brands[i] != NULL; i++)
    if (memcmp (p, brands[i], 4) == 0)
      return TRUE;
  return FALSE;
}

/* ISO-BMFF: the major brand, else the first compatible brands we read. */
static const char *
sniff_ftyp (const guint8 *head,
            gsize         len)
{
  static const char *avif[] = { "avif", "avis", NULL };
  static const char *heic[] = { "heic", "heix", "heim", "heis", "hevc", "hevx", NULL };
  static const char *heif[] = { "mif1", "msf1", NULL };
  guint32            box_size;
  const char        *generic = NULL;

  if (len < 16 || memcmp (head + 4, "ftyp", 4) != 0)
    return NULL;

  box_size = ks_image_get_u32 (head, TRUE);
  for (gsize off = 8; off + 4 <= MIN (len, box_size); off += 4)
    {
      if (off == 12)
        continue; /* minor version */
      if (has_brand (head + off, avif))
        return "image/avif";
      if (has_brand (head + off, heic))
        return "image/heic";
      if (has_brand (head + off, heif))
        generic = "image/heif";
    }

  return generic;
}

static const char *
sniff (const guint8 *head,
       gsize         len)
{
  if (len >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
    return "image/jpeg";
  if (len >= 8 && memcmp (head, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "image/png";
  if (len >= 6 && (memcmp (head, "GIF87a", 6) == 0 || memcmp (head, "GIF89a", 6) == 0))
    return "image/gif";
  if (len >= 12 && memcmp (head, "RIFF", 4) == 0 && memcmp (head + 8, "WEBP", 4) == 0)
    return "image/webp";
  if (len >= 4 && (memcmp (head, "II*\0", 4) == 0 || memcmp (head, "MM\0*", 4) == 0))
    return "image/tiff";
  return sniff_ftyp (head, len);
}

/* Walks the segments up to the frame header: dimensions from SOFn, EXIF
 * from the first "Exif" APP1. */
static gboolean
read_jpeg (KsImageSource *src,
           KsExifData    *exif)
{
  guint64  off = 2;
  gboolean exif_seen = FALSE;

  for (guint i = 0; i < MAX_JPEG_SEGMENTS; i++)
    {
      guint8  b[4];
      guint8  marker;
      guint16 len;

      if (!ks_image_source_read (src, off, 2, b) || b[0] != 0xff)
        return FALSE;
      marker = b[1];
      off += 2;

      /* Fill bytes, and markers that have no length. */
      if (marker == 0xff)
        {
          off--;
          continue;
        }
      if (marker == 0x01 || marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7))
        continue;
      if (marker == 0xd9 || marker == 0xda)
        return FALSE; /* end of image or scan data before any frame header */

      if (!ks_image_source_read (src, off, 2, b))
        return FALSE;
      len = ks_image_get_u16 (b, TRUE);
      if (len < 2)
        return FALSE;

      if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
        {
          guint8 sof[5];

          if (len < 7 || !ks_image_source_read (src, off + 2, sizeof sof, sof))
            return FALSE;
          exif->height = ks_image_get_u16 (sof + 1, TRUE);
          exif->width = ks_image_get_u16 (sof + 3, TRUE);
          return TRUE;
        }

      if (marker == 0xe1 && !exif_seen && len >= 2 + 6 + 8)
        {
          g_autofree guint8 *seg = g_malloc (len - 2);
          KsImageSource      blob = { 0 };

          if (!ks_image_source_read (src, off + 2, len - 2, seg))
            return FALSE;
          blob.data = seg + 6;
          blob.len = len - 2 - 6;
          /* XMP also lives in APP1; only the first EXIF block counts. */
          if (memcmp (seg, "Exif\0\0", 6) == 0)
            exif_seen = ks_exif_parse_tiff (&blob, exif);
        }

      off += len;
    }

  return FALSE;
}

/* IHDR for dimensions, then an eXIf chunk if one comes before the pixels. */
static gboolean
read_png (KsImageSource *src,
          KsExifData    *exif)
{
  guint8  b[8];
  guint64 off = 8;

  if (!ks_image_source_read (src, 8, 8, b) || memcmp (b + 4, "IHDR", 4) != 0 ||
      !ks_image_source_read (src, 16, 8, b))
    return FALSE;
  exif->width = (int) MIN (ks_image_get_u32 (b, TRUE), (guint32) G_MAXINT);
  exif->height = (int) MIN (ks_image_get_u32 (b + 4, TRUE), (guint32) G_MAXINT);

  for (guint i = 0; i < MAX_PNG_CHUNKS && ks_image_source_read (src, off, 8, b); i++)
    {
      guint32 len = ks_image_get_u32 (b, TRUE);

      if (memcmp (b + 4, "IDAT", 4) == 0 || memcmp (b + 4, "IEND", 4) == 0)
        break;
      if (memcmp (b + 4, "eXIf", 4) == 0)
        {
          KsImageSource blob = { NULL, src->stream, src->cancellable, src->base + (goffset) off + 8,
                                 MIN ((guint64) len, src->len - MIN (src->len, off + 8)), NULL };

          ks_exif_parse_tiff (&blob, exif);
          if (blob.io_error != NULL && src->io_error == NULL)
            src->io_error = g_steal_pointer (&blob.io_error);
          ks_image_source_clear (&blob);
          break;
        }
      off += 12 + (guint64) len;
    }

  return TRUE;
}

static gboolean
read_gif (KsImageSource *src,
          KsExifData    *exif)
{
  guint8 b[4];

  if (!ks_image_source_read (src, 6, 4, b))
    return FALSE;
  exif->width = ks_image_get_u16 (b, FALSE);
  exif->height = ks_image_get_u16 (b + 2, FALSE);
  return TRUE;
}

/* ---- GdkPixbuf ---- */

static GdkPixbufFormat *
find_format (const char *mime_type)
{
  g_autoptr (GSList) formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_auto (GStrv) types = gdk_pixbuf_format_get_mime_types (l->data);

      if (types != NULL && g_strv_contains ((const char *const *) types, mime_type))
        return l->data;
    }

  return NULL;
}

static void
probe_size_prepared_cb (GdkPixbufLoader *loader,
                        int              width,
                        int              height,
                        gpointer         user_data)
{
  KsExifData *exif = user_data;

  exif->width = width;
  exif->height = height;
}

/* For formats we do not parse ourselves: feed the loader until it knows
 * the size, which incremental loaders report from the header. */
static gboolean
probe_with_loader (KsImageSource   *src,
                   GdkPixbufFormat *format,
                   KsExifData      *exif)
{
  g_autofree char *name = gdk_pixbuf_format_get_name (format);
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type (name, NULL);
  g_autofree guint8 *buf = g_malloc (PROBE_CHUNK_SIZE);
  guint64            off = 0;

  if (loader == NULL)
    return FALSE;

  g_signal_connect (loader, "size-prepared", G_CALLBACK (probe_size_prepared_cb), exif);
  while (exif->width == 0 && off < MIN (src->len, PROBE_LIMIT))
    {
      gsize n = (gsize) MIN (src->len - off, PROBE_CHUNK_SIZE);

      if (!ks_image_source_read (src, off, n, buf) || !gdk_pixbuf_loader_write (loader, buf, n, NULL))
        break;
      off += n;
    }
  gdk_pixbuf_loader_close (loader, NULL);

  return exif->width > 0;
}

/* ---- the public API ---- */

void
ks_image_info_free (KsImageInfo *self)
{
  if (self == NULL)
    return;

  g_free (self->content_type);
  g_free (self->taken_at);
  g_free (self->camera);
  g_free (self);
}

/* "Canon" + "Canon EOS R5" is "Canon EOS R5", not "Canon Canon EOS R5". */
static char *
format_camera (const char *make,
               const char *model)
{
  if (make == NULL || model == NULL)
    return g_strdup (make != NULL ? make : model);
  if (g_ascii_strncasecmp (model, make, strlen (make)) == 0)
    return g_strdup (model);
  return g_strdup_printf ("%s %s", make, model);
}

static KsImageInfo *
image_info_new (const char       *content_type,
                const KsExifData *exif)
{
  KsImageInfo *self = g_new0 (KsImageInfo, 1);
  gboolean     swap = exif->orientation >= 5;

  self->content_type = g_strdup (content_type);
  self->orientation = exif->orientation >= 1 ? exif->orientation : 1;
  self->width = swap ? exif->height : exif->width;
  self->height = swap ? exif->width : exif->height;
  self->taken_at = ks_exif_format_taken_at (exif->date_time, exif->offset_time);
  self->camera = format_camera (exif->make, exif->model);

  return self;
}

static gboolean
read_headers (KsImageSource   *src,
              const char      *content_type,
              GdkPixbufFormat *format,
              KsExifData      *exif)
{
  if (g_str_equal (content_type, "image/jpeg"))
    return read_jpeg (src, exif);
  if (g_str_equal (content_type, "image/png"))
    return read_png (src, exif);
  if (g_str_equal (content_type, "image/gif"))
    return read_gif (src, exif);
  /* TIFF: the loader decodes everything before it reports a size. */
  if (g_str_equal (content_type, "image/tiff"))
    {
      if (!ks_exif_parse_tiff (src, exif))
        return FALSE;
      exif->width = exif->tiff_width;
      exif->height = exif->tiff_height;
      return TRUE;
    }
  /* HEIF loaders apply the container's rotation themselves, and WebP
   * photos with EXIF orientation are rare: no orientation for these. */
  return probe_with_loader (src, format, exif);
}

static KsImageInfo *
read_source (KsImageSource *src,
             const char    *name,
             GError       **error)
{
  guint8           head[SNIFF_LEN] = { 0 };
  gsize            head_len = (gsize) MIN (src->len, sizeof head);
  const char      *content_type;
  GdkPixbufFormat *format;
  KsExifData       exif = { 0 };
  KsImageInfo     *info = NULL;

  if (!ks_image_source_read (src, 0, head_len, head))
    head_len = 0;
  content_type = sniff (head, head_len);
  if (src->io_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&src->io_error));
      return NULL;
    }
  if (content_type == NULL)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_IMAGE, _ ("“%s” is not a photo"), name);
      return NULL;
    }

  format = find_format (content_type);
  if (format == NULL && g_str_equal (content_type, "image/heic"))
    format = find_format ("image/heif");
  if (format == NULL)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_UNSUPPORTED,
                   _ ("“%s” is an image type this computer cannot read (%s)"), name, content_type);
      return NULL;
    }

  if (!read_headers (src, content_type, format, &exif) || exif.width <= 0 || exif.height <= 0)
    {
      if (src->io_error != NULL)
        g_propagate_error (error, g_steal_pointer (&src->io_error));
      else
        g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CORRUPT,
                     _ ("“%s” is damaged or incomplete (%s)"), name, content_type);
    }
  else if (src->io_error != NULL)
    g_propagate_error (error, g_steal_pointer (&src->io_error));
  else
    info = image_info_new (content_type, &exif);

  ks_exif_data_clear (&exif);
  return info;
}

KsImageInfo *
ks_image_info_read (GFile        *file,
                    GCancellable *cancellable,
                    GError      **error)
{
  g_autoptr (GFileInputStream) stream = NULL;
  g_autoptr (GFileInfo) file_info = NULL;
  g_autofree char *name = NULL;
  KsImageSource    src = { 0 };
  KsImageInfo     *info;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return NULL;

  file_info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, error);
  if (file_info == NULL)
    return NULL;

  if (!g_seekable_can_seek (G_SEEKABLE (stream)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _ ("cannot seek in %s"), g_file_peek_path (file));
      return NULL;
    }

  name = g_file_get_basename (file);
  src.stream = G_INPUT_STREAM (stream);
  src.cancellable = cancellable;
  src.len = (guint64) MAX (g_file_info_get_size (file_info), 0);

  info = read_source (&src, name, error);
  ks_image_source_clear (&src);
  return info;
}

gboolean
ks_image_info_name_is_ignored (const char *basename)
{
  static const char *suffixes[] = {
    "~",
    ".part",
    ".partial",
    ".crdownload",
    ".download",
    ".tmp",
    ".temp",
    ".swp",
    ".!qb",
  };
  gsize len;

  if (basename == NULL || basename[0] == '\0' || basename[0] == '.')
    return TRUE;

  /* Called for every file of every scan: no copy. */
  len = strlen (basename);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      gsize n = strlen (suffixes[i]);

      if (len >= n && g_ascii_strcasecmp (basename + len - n, suffixes[i]) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
ks_image_info_name_has_image_extension (const char *name)
{
  static const char *const extensions[] = {
    ".jpg",
    ".jpeg",
    ".jpe",
    ".png",
    ".webp",
    ".gif",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".avif",
  };
  g_autofree char *lower = g_ascii_strdown (name, -1);

  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_str_has_suffix (lower, extensions[i]))
      return TRUE;
  return FALSE;
}

gboolean
ks_image_info_path_may_be_image (const char *path)
{
  guint8  head[SNIFF_LEN];
  ssize_t n;
  int     fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

  /* What cannot be read now is for the thumbnailer to report. */
  if (fd < 0)
    return TRUE;
  do
    n = read (fd, head, sizeof head);
  while (n < 0 && errno == EINTR);
  close (fd);
  return n < 0 || sniff (head, (gsize) n) != NULL;
}
