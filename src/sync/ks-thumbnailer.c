/* ks-thumbnailer.c: one read of the original for its hash and thumbnails
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "ks-hash.h"
#include "ks-image-scale.h"
#include "ks-sync-error.h"
#include "ks-thumbnailer.h"

/* The same chunk goes to the hash and to the decoder, so a photo is read
 * from disk once. */
#define READ_CHUNK_SIZE (256 * 1024)
#define JPEG_QUALITY "85"

#define FILE_ATTRIBUTES G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_TIME_MODIFIED "," G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC

void
ks_thumbnails_free (KsThumbnails *self)
{
  if (self == NULL)
    return;

  g_free (self->sha256);
  g_clear_pointer (&self->info, ks_image_info_free);
  g_clear_object (&self->grid);
  g_free (self->grid_sha256);
  g_clear_object (&self->preview);
  g_free (self->preview_sha256);
  g_free (self);
}

/* The size that fits @width x @height into @max_edge, never larger. */
static void
fit_size (int  width,
          int  height,
          int  max_edge,
          int *out_width,
          int *out_height)
{
  int long_edge = MAX (width, height);

  if (long_edge <= max_edge)
    {
      *out_width = width;
      *out_height = height;
      return;
    }

  *out_width = MAX (1, (int) ((gint64) width * max_edge / long_edge));
  *out_height = MAX (1, (int) ((gint64) height * max_edge / long_edge));
  if (width >= height)
    *out_width = max_edge;
  else
    *out_height = max_edge;
}

/* libjpeg decodes at 1/2, 1/4 or 1/8 scale for much less than full size
 * (gdk-pixbuf's JPEG loader picks the smallest at least as large as the
 * size asked for). Asking for exactly that size keeps the loader from
 * scaling the rest of the way itself: ks_image_scale_down() does it
 * better and faster, once. Other loaders decode at full size whatever
 * they are told, so they are told nothing. */
typedef struct
{
  gboolean jpeg;
  int      width; /* as stored, before any scaling */
  int      height;
} Prepared;

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  Prepared *prepared = user_data;
  int       w, h, scale = 1;

  prepared->width = width;
  prepared->height = height;
  if (!prepared->jpeg)
    return;
  fit_size (width, height, KS_THUMB_PREVIEW_SIZE, &w, &h);
  while (scale < 8 && (width + 2 * scale - 1) / (2 * scale) >= w && (height + 2 * scale - 1) / (2 * scale) >= h)
    scale *= 2;
  if (scale > 1)
    gdk_pixbuf_loader_set_size (loader, (width + scale - 1) / scale, (height + scale - 1) / scale);
}

static void
set_decode_error (GError    **error,
                  GError     *pixbuf_error,
                  const char *name)
{
  const char *detail = pixbuf_error != NULL ? pixbuf_error->message : "no image";

  g_debug ("Decoding %s: %s", name, detail);
  if (g_error_matches (pixbuf_error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNKNOWN_TYPE) ||
      g_error_matches (pixbuf_error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNSUPPORTED_OPERATION))
    g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_UNSUPPORTED,
                 _ ("“%s” is an image type this computer cannot read"), name);
  else if (g_error_matches (pixbuf_error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_INSUFFICIENT_MEMORY))
    g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FAILED,
                 _ ("“%s” is too large to make a thumbnail of"), name);
  else
    g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CORRUPT,
                 _ ("“%s” is damaged or incomplete (%s)"), name, detail);
}

/* ---- did the file end where its format says it ends? ---- */

/* Baseline JPEG and PNG decoders accept a file cut short and fill in the
 * rest with grey; only the container's own end (EOI, IEND) tells. A
 * small scanner follows the structure over the chunks as they pass. */
typedef enum
{
  END_UNCHECKED, /* the decoder reports truncation itself */
  END_PNG,
  END_JPEG_MARKER,
  END_JPEG_LENGTH,
  END_JPEG_ENTROPY,
} EndState;

typedef struct
{
  EndState state;
  gboolean seen_end;
  guint64  skip; /* bytes to pass over: a segment's or chunk's payload */
  guint8   hdr[8];
  guint    hdr_len;
  guint8   marker;
  gboolean saw_ff;
} EndCheck;

static void
end_check_init (EndCheck   *check,
                const char *content_type)
{
  memset (check, 0, sizeof *check);
  if (g_str_equal (content_type, "image/png"))
    {
      check->state = END_PNG;
      check->skip = 8; /* signature */
    }
  else if (g_str_equal (content_type, "image/jpeg"))
    {
      check->state = END_JPEG_MARKER;
      check->skip = 2; /* SOI */
    }
}

static gboolean
end_check_complete (const EndCheck *check)
{
  return check->state == END_UNCHECKED || check->seen_end;
}

static void
jpeg_marker (EndCheck *check,
             guint8    marker)
{
  check->state = END_JPEG_MARKER;
  if (marker == 0xd9)
    check->seen_end = TRUE;
  else if (marker != 0x01 && !(marker >= 0xd0 && marker <= 0xd8))
    {
      check->state = END_JPEG_LENGTH;
      check->marker = marker;
      check->hdr_len = 0;
    }
}

/* One step over @p; returns how many bytes it consumed. */
static gsize
end_check_step (EndCheck     *check,
                const guint8 *p,
                gsize         n)
{
  const guint8 *ff;

  switch (check->state)
    {
    case END_PNG:
      check->hdr[check->hdr_len++] = p[0];
      if (check->hdr_len == 8)
        {
          check->seen_end = memcmp (check->hdr + 4, "IEND", 4) == 0;
          check->skip = (guint64) ((guint32) check->hdr[0] << 24 | (guint32) check->hdr[1] << 16 |
                                   (guint32) check->hdr[2] << 8 | check->hdr[3]) +
                        4;
          check->hdr_len = 0;
        }
      return 1;
    case END_JPEG_LENGTH:
      check->hdr[check->hdr_len++] = p[0];
      if (check->hdr_len == 2)
        {
          check->skip = MAX ((check->hdr[0] << 8 | check->hdr[1]) - 2, 0);
          check->state = check->marker == 0xda ? END_JPEG_ENTROPY : END_JPEG_MARKER;
          check->saw_ff = FALSE;
        }
      return 1;
    case END_JPEG_MARKER:
    case END_JPEG_ENTROPY:
      if (!check->saw_ff)
        {
          /* Scan data and stray bytes between segments both wait for 0xFF. */
          ff = memchr (p, 0xff, n);
          check->saw_ff = ff != NULL;
          return ff != NULL ? (gsize) (ff - p) + 1 : n;
        }
      if (p[0] != 0xff)
        {
          check->saw_ff = FALSE;
          /* Stuffed zero bytes and restart markers stay in the scan. */
          if (check->state == END_JPEG_MARKER || (p[0] != 0x00 && !(p[0] >= 0xd0 && p[0] <= 0xd7)))
            jpeg_marker (check, p[0]);
        }
      return 1;
    case END_UNCHECKED:
    default:
      return n;
    }
}

static void
end_check_feed (EndCheck     *check,
                const guint8 *p,
                gsize         n)
{
  while (n > 0 && !end_check_complete (check))
    {
      gsize used;

      if (check->skip > 0)
        {
          used = (gsize) MIN (check->skip, n);
          check->skip -= used;
        }
      else
        used = end_check_step (check, p, n);
      p += used;
      n -= used;
    }
}

/* ---- reading ---- */

typedef struct
{
  char      *sha256;
  gint64     size;
  GdkPixbuf *pixbuf; /* nullable */
  Prepared   prepared;
} ReadResult;

/* Streams the file through SHA-256 and the loader together. */
static gboolean
read_and_decode (GInputStream *stream,
                 const char   *content_type,
                 const char   *name,
                 ReadResult   *result,
                 GCancellable *cancellable,
                 GError      **error)
{
  g_autoptr (GdkPixbufLoader) loader = NULL;
  g_autoptr (KsSha256) sha = ks_sha256_new ();
  g_autoptr (GError) pixbuf_error = NULL;
  g_autofree guint8 *buf = g_malloc (READ_CHUNK_SIZE);
  gboolean           decoding = TRUE;
  gboolean           closed;
  EndCheck           end_check;

  loader = gdk_pixbuf_loader_new_with_mime_type (content_type, &pixbuf_error);
  if (loader == NULL)
    {
      set_decode_error (error, pixbuf_error, name);
      return FALSE;
    }
  result->prepared.jpeg = g_str_equal (content_type, "image/jpeg");
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &result->prepared);
  end_check_init (&end_check, content_type);

  for (;;)
    {
      gssize n = g_input_stream_read (stream, buf, READ_CHUNK_SIZE, cancellable, error);

      if (n < 0)
        {
          gdk_pixbuf_loader_close (loader, NULL);
          return FALSE;
        }
      if (n == 0)
        break;

      ks_sha256_update (sha, buf, (gsize) n);
      result->size += n;
      end_check_feed (&end_check, buf, (gsize) n);
      if (decoding && !gdk_pixbuf_loader_write (loader, buf, (gsize) n, &pixbuf_error))
        decoding = FALSE; /* keep hashing: the caller may want the digest */
    }

  closed = gdk_pixbuf_loader_close (loader, decoding ? &pixbuf_error : NULL);
  result->sha256 = ks_sha256_finish_hex (sha);

  if (!decoding || !closed || gdk_pixbuf_loader_get_pixbuf (loader) == NULL)
    {
      set_decode_error (error, pixbuf_error, name);
      return FALSE;
    }

  if (!end_check_complete (&end_check))
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CORRUPT,
                   _ ("“%s” is incomplete: the file ends before the image does"), name);
      return FALSE;
    }

  result->pixbuf = g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
  return TRUE;
}

/* EXIF orientation 1-8 to upright, as the EXIF 2.3 table says. */
static GdkPixbuf *
orient (GdkPixbuf *src,
        int        orientation)
{
  g_autoptr (GdkPixbuf) rotated = NULL;

  switch (orientation)
    {
    case 2:
      return gdk_pixbuf_flip (src, TRUE);
    case 3:
      return gdk_pixbuf_rotate_simple (src, GDK_PIXBUF_ROTATE_UPSIDEDOWN);
    case 4:
      return gdk_pixbuf_flip (src, FALSE);
    case 5:
      rotated = gdk_pixbuf_rotate_simple (src, GDK_PIXBUF_ROTATE_CLOCKWISE);
      return gdk_pixbuf_flip (rotated, TRUE);
    case 6:
      return gdk_pixbuf_rotate_simple (src, GDK_PIXBUF_ROTATE_CLOCKWISE);
    case 7:
      rotated = gdk_pixbuf_rotate_simple (src, GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE);
      return gdk_pixbuf_flip (rotated, TRUE);
    case 8:
      return gdk_pixbuf_rotate_simple (src, GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE);
    default:
      return g_object_ref (src);
    }
}

/* What is left to do after decoding. libtiff's RGBA reader already
 * applies the flips of every orientation but not the transposition of
 * 5-8, so a TIFF needs only the rest (gdk-pixbuf's own TIFF loader
 * reports the same residue as its "orientation" option). */
static int
residual_orientation (const KsImageInfo *info)
{
  static const int tiff_residue[9] = { 1, 1, 1, 1, 1, 5, 7, 5, 7 };

  if (g_str_equal (info->content_type, "image/tiff"))
    return tiff_residue[CLAMP (info->orientation, 0, 8)];
  return info->orientation;
}

/* @src shrunk to fit @width x @height into @max_edge: @src may be a
 * scaled decode of an image of that size. */
static GdkPixbuf *
scale_to_fit (GdkPixbuf *src,
              int        width,
              int        height,
              int        max_edge)
{
  int w, h;

  fit_size (width, height, max_edge, &w, &h);
  w = MIN (w, gdk_pixbuf_get_width (src));
  h = MIN (h, gdk_pixbuf_get_height (src));
  if (w == gdk_pixbuf_get_width (src) && h == gdk_pixbuf_get_height (src))
    return g_object_ref (src);

  return ks_image_scale_down (src, w, h);
}

/* JPEG has no alpha: transparent pixels become white, not whatever
 * colour they happened to hold. */
static GdkPixbuf *
flatten (GdkPixbuf *src)
{
  int        w = gdk_pixbuf_get_width (src);
  int        h = gdk_pixbuf_get_height (src);
  GdkPixbuf *flat;

  if (!gdk_pixbuf_get_has_alpha (src))
    return g_object_ref (src);

  flat = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  if (flat == NULL)
    return NULL;
  gdk_pixbuf_fill (flat, 0xffffffff);
  gdk_pixbuf_composite (src, flat, 0, 0, w, h, 0, 0, 1, 1, GDK_INTERP_NEAREST, 255);
  return flat;
}

/* Written beside and renamed, so a crash of the application never leaves
 * half a thumbnail under its name. New files are not fsynced: after a
 * power cut one may be empty, and the engine remakes the thumbnails of
 * any photo not yet uploaded rather than trusting files it finds. */
static GFile *
write_jpeg (GdkPixbuf  *pixbuf,
            GFile      *dir,
            const char *file_name,
            char      **out_sha256,
            gint64     *out_size,
            GError    **error)
{
  g_autoptr (GFile) file = g_file_get_child (dir, file_name);
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *data = NULL;
  g_autoptr (GError) write_error = NULL;
  gsize len = 0;

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _ ("thumbnails can only be written to a local folder"));
      return NULL;
    }

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &data, &len, "jpeg", error, "quality", JPEG_QUALITY, NULL))
    return NULL;
  if (!g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_ONLY_EXISTING,
                                 0644, &write_error))
    {
      ks_sync_error_set_cache (error, dir, write_error);
      return NULL;
    }

  *out_sha256 = ks_sha256_hex (data, len);
  *out_size = (gint64) len;
  return g_steal_pointer (&file);
}

/* One decode at (about) preview size; the grid thumbnail is made from
 * the preview, so the original is never decoded twice. */
static gboolean
write_thumbnails (KsThumbnails   *self,
                  GdkPixbuf      *decoded,
                  const Prepared *stored,
                  const char     *name,
                  GFile          *dir,
                  GError        **error)
{
  gboolean         known = stored->width > 0 && stored->height > 0;
  int              width = known ? stored->width : gdk_pixbuf_get_width (decoded);
  int              height = known ? stored->height : gdk_pixbuf_get_height (decoded);
  g_autofree char *preview_name = g_strconcat (self->sha256, "-preview.jpg", NULL);
  g_autofree char *grid_name = g_strconcat (self->sha256, "-grid.jpg", NULL);
  g_autoptr (GdkPixbuf) flat = NULL;
  g_autoptr (GdkPixbuf) scaled = NULL;
  g_autoptr (GdkPixbuf) preview = NULL;
  g_autoptr (GdkPixbuf) grid = NULL;

  /* Each step allocates a picture, and may not get the memory. */
  flat = flatten (decoded);
  scaled = flat != NULL ? scale_to_fit (flat, width, height, KS_THUMB_PREVIEW_SIZE) : NULL;
  preview = scaled != NULL ? orient (scaled, residual_orientation (self->info)) : NULL;
  if (preview != NULL)
    grid = scale_to_fit (preview, gdk_pixbuf_get_width (preview), gdk_pixbuf_get_height (preview),
                         KS_THUMB_GRID_SIZE);
  if (grid == NULL)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FAILED, _ ("“%s” is too large to make a thumbnail of"), name);
      return FALSE;
    }

  self->preview = write_jpeg (preview, dir, preview_name, &self->preview_sha256, &self->preview_size, error);
  if (self->preview == NULL)
    return FALSE;

  self->grid = write_jpeg (grid, dir, grid_name, &self->grid_sha256, &self->grid_size, error);
  return self->grid != NULL;
}

static gint64
file_info_mtime (GFileInfo *info)
{
  return (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED) * G_USEC_PER_SEC +
         g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC);
}

/* A camera import still writing, or an editor saving over the file. */
static gboolean
check_unchanged (GFile        *original,
                 KsThumbnails *self,
                 GCancellable *cancellable,
                 GError      **error)
{
  g_autoptr (GFileInfo) after = g_file_query_info (original, FILE_ATTRIBUTES, G_FILE_QUERY_INFO_NONE,
                                                   cancellable, error);
  g_autofree char *name = g_file_get_basename (original);

  if (after == NULL)
    return FALSE;

  if (g_file_info_get_size (after) != self->size || file_info_mtime (after) != self->mtime)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED,
                   _ ("“%s” changed while it was being read"), name);
      return FALSE;
    }

  return TRUE;
}

/**
 * ks_thumbnails_make:
 *
 * Reads @original once, hashing it while decoding it at (about) preview
 * size. The SHA-256 and size are of the bytes read; the file's size and
 * mtime are checked again afterwards, and a difference is
 * %KS_SYNC_ERROR_CHANGED, so the digest always matches @mtime.
 */
KsThumbnails *
ks_thumbnails_make (GFile        *original,
                    GFile        *dir,
                    GCancellable *cancellable,
                    GError      **error)
{
  g_autoptr (KsThumbnails) self = g_new0 (KsThumbnails, 1);
  g_autoptr (GFileInputStream) stream = NULL;
  g_autoptr (GFileInfo) before = NULL;
  g_autofree char *name = NULL;
  ReadResult       read = { 0 };
  gboolean         ok;

  g_return_val_if_fail (G_IS_FILE (original), NULL);
  g_return_val_if_fail (G_IS_FILE (dir), NULL);

  self->info = ks_image_info_read (original, cancellable, error);
  if (self->info == NULL)
    return NULL;

  stream = g_file_read (original, cancellable, error);
  if (stream == NULL)
    return NULL;
  before = g_file_input_stream_query_info (stream, FILE_ATTRIBUTES, cancellable, error);
  if (before == NULL)
    return NULL;
  self->mtime = file_info_mtime (before);

  name = g_file_get_basename (original);
  ok = read_and_decode (G_INPUT_STREAM (stream), self->info->content_type, name, &read, cancellable, error);
  self->sha256 = g_steal_pointer (&read.sha256);
  self->size = read.size;
  if (!ok)
    return NULL;

  ok = check_unchanged (original, self, cancellable, error) &&
       write_thumbnails (self, read.pixbuf, &read.prepared, name, dir, error);
  g_object_unref (read.pixbuf);

  return ok ? g_steal_pointer (&self) : NULL;
}

/* ---- the shared pool ---- */

typedef struct
{
  GFile *original;
  GFile *dir;
  guint  seq; /* first come, first served among equal priorities */
} MakeData;

static void
make_data_free (MakeData *data)
{
  g_object_unref (data->original);
  g_object_unref (data->dir);
  g_free (data);
}

static void
pool_worker (gpointer data,
             gpointer user_data)
{
  g_autoptr (GTask) task = data;
  MakeData     *make = g_task_get_task_data (task);
  GError       *error = NULL;
  KsThumbnails *result;

  if (g_task_return_error_if_cancelled (task))
    return;

  result = ks_thumbnails_make (make->original, make->dir, g_task_get_cancellable (task), &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) ks_thumbnails_free);
}

static int
pool_compare (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  GTask    *task_a = (GTask *) a;
  GTask    *task_b = (GTask *) b;
  MakeData *data_a = g_task_get_task_data (task_a);
  MakeData *data_b = g_task_get_task_data (task_b);
  int       prio_a = g_task_get_priority (task_a);
  int       prio_b = g_task_get_priority (task_b);

  if (prio_a != prio_b)
    return prio_a < prio_b ? -1 : 1;
  /* Wrap-around safe while fewer than 2^31 jobs wait. */
  return (int) (data_a->seq - data_b->seq);
}

/* One pool for the process: decoding is CPU-bound, more threads than
 * cores only add memory. */
static GThreadPool *
get_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    {
      GThreadPool *new_pool = g_thread_pool_new (pool_worker, NULL, (int) g_get_num_processors (),
                                                 FALSE, NULL);

      g_thread_pool_set_sort_function (new_pool, pool_compare, NULL);
      g_once_init_leave (&pool, new_pool);
    }

  return pool;
}

void
ks_thumbnails_make_async (GFile              *original,
                          GFile              *dir,
                          int                 io_priority,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  static int seq;
  g_autoptr (GTask) task = NULL;
  MakeData *data;

  g_return_if_fail (G_IS_FILE (original));
  g_return_if_fail (G_IS_FILE (dir));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_thumbnails_make_async);
  g_task_set_priority (task, io_priority);

  data = g_new0 (MakeData, 1);
  data->original = g_object_ref (original);
  data->dir = g_object_ref (dir);
  data->seq = (guint) g_atomic_int_add (&seq, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) make_data_free);

  g_thread_pool_push (get_pool (), g_steal_pointer (&task), NULL);
}

KsThumbnails *
ks_thumbnails_make_finish (GAsyncResult *result,
                           GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_thumbnails_make_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
